#pragma once
// How a fuzz target reports an oracle failure: the reason on stderr, then abort(), which
// libFuzzer treats as a crash (it saves the input and stops).

#include <cstdio>
#include <cstdlib>
#include <string>

namespace vipd::fuzz {

[[noreturn]] inline void oracle_failed(const std::string& what) {
    std::fprintf(stderr, "oracle failed: %s\n", what.c_str());
    std::abort();
}

}  // namespace vipd::fuzz
