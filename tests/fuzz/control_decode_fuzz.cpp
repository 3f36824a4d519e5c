// libFuzzer target for the control protocol's decoders (decode_request, decode_response): the
// daemon decodes whatever a local client writes to its socket, vipctl whatever answers it.
//
// Input: one line of text, given to both decoders.
//
// Oracle: a decoded value, encoded again, decodes to the same value (requests and responses
// compare with ==). That catches a decoder that accepts what the encoder cannot express (a
// number JSON cannot carry back, a string the encoder would change) and any asymmetry between
// the two; and a decoder that throws, which the API promises it never does.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "oracle.hpp"
#include "vipd/control/protocol.hpp"

namespace {

using vipd::fuzz::oracle_failed;

template <class T, class Decode>
void check_round_trip(std::string_view text, Decode decode, const char* what) {
    const auto first = decode(text);
    const auto* value = std::get_if<T>(&first);
    if (value == nullptr) {
        if (std::get<std::string>(first).empty()) {
            oracle_failed(std::string("a ") + what + " was refused without a reason");
        }
        return;
    }
    const std::string encoded = vipd::control::encode(*value);
    const auto second = decode(encoded);
    const auto* again = std::get_if<T>(&second);
    if (again == nullptr) {
        oracle_failed(std::string("a re-encoded ") + what +
                      " does not decode: " + std::get<std::string>(second) + "\n" + encoded);
    }
    if (!(*again == *value)) {
        oracle_failed(std::string("a re-encoded ") + what + " decodes differently:\n" + encoded);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_round_trip<vipd::control::request>(text, vipd::control::decode_request, "request");
    check_round_trip<vipd::control::response>(text, vipd::control::decode_response, "response");
    return 0;
}
