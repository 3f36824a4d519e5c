#include "vipd/importer/import.hpp"

#include "vipd/config/loader.hpp"
#include "vipd/importer/convert.hpp"
#include "vipd/importer/ipvsadm.hpp"

namespace vipd::importer {

import_outcome import_keepalived(const import_options& options, const file_source& files) {
    import_outcome out;
    auto parsed = parse_file(options.file, files);
    if (options.ipvsadm_rules) {
        const auto text = files.read(*options.ipvsadm_rules);
        auto rules = text ? parse_ipvsadm_rules(*text, *options.ipvsadm_rules)
                          : parse_result{{}, {{*options.ipvsadm_rules, 0, "cannot read the file"}}};
        for (auto& n : rules.nodes) {
            parsed.nodes.push_back(std::move(n));
        }
        for (auto& error : rules.errors) {
            parsed.errors.push_back(std::move(error));
        }
    }
    for (const auto& error : parsed.errors) {
        out.messages.push_back(error.to_string());
    }
    if (!parsed.ok()) {
        return out;
    }
    auto converted = convert(parsed.nodes);
    for (const auto& item : converted.dropped) {
        out.messages.push_back(item.to_string());
    }
    const auto loaded = config::load_string(converted.toml, options.file + " (converted)");
    if (!loaded.ok()) {
        out.messages.push_back("the converted configuration does not load; please report it:");
        for (const auto& error : loaded.errors) {
            out.messages.push_back(error.to_string());
        }
        return out;
    }
    out.toml = std::move(converted.toml);
    out.exit_code =
        converted.dropped.empty() || options.allow_lossy ? k_exit_converted : k_exit_lossy;
    return out;
}

}  // namespace vipd::importer
