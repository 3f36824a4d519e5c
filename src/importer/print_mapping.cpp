// Prints the importer's keyword table as Markdown: the generated section of
// docs/from-keepalived.md (tests/unit/importer/mapping_doc_test.cpp keeps them equal).
#include <cstdio>

#include "vipd/importer/convert.hpp"

int main() {
    std::fputs(vipd::importer::mapping_markdown().c_str(), stdout);
    return 0;
}
