#include <algorithm>
#include <vector>

#include "vrrp_section.hpp"

namespace vipd::config::detail {
namespace {

// Linux IFNAMSIZ is 16 including the terminating NUL.
constexpr std::size_t k_max_interface_name = 15;

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) {
            ++i;
        }
        if (i > start) {
            words.push_back(text.substr(start, i - start));
        }
    }
    return words;
}

}  // namespace

bool is_unspecified(const ip_address& address) {
    const auto bytes = address.bytes();
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

std::string_view family_name(address_family family) noexcept {
    return family == address_family::ipv4 ? "IPv4" : "IPv6";
}

std::optional<std::string> interface_name_problem(std::string_view name) {
    if (name.empty() || name.size() > k_max_interface_name) {
        return "must be 1..15 characters (Linux IFNAMSIZ), got " + std::to_string(name.size());
    }
    if (name == "." || name == "..") {
        return std::string("cannot be \".\" or \"..\"");
    }
    // The kernel's dev_valid_name() rejects these characters.
    const auto bad = std::find_if(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
               c == '\v' || c == '\f';
    });
    if (bad != name.end()) {
        return std::string("cannot contain '/', ':' or whitespace");
    }
    return std::nullopt;
}

parsed_vip parse_vip(const toml::node& element) {
    auto fail = [](std::string problem) { return parsed_vip{std::nullopt, std::move(problem)}; };
    const auto* text = element.as_string();
    if (text == nullptr) {
        return fail("each VIP must be a string " + std::string(k_vip_form) + ", got " +
                    std::string(describe(element.type())));
    }
    const auto words = split_words(text->get());
    const bool plain = words.size() == 1;
    const bool with_dev = words.size() == 3 && words[1] == "dev";
    if (!plain && !with_dev) {
        return fail("a VIP must be " + std::string(k_vip_form) + ", got " + show(element));
    }
    const auto prefix = ip_prefix::parse(words[0]);
    if (!prefix) {
        return fail("\"" + std::string(words[0]) +
                    "\" is not an IPv4 or IPv6 address with an optional /LEN (IPv4 1..32, IPv6 "
                    "1..128)");
    }
    if (prefix->length == 0) {
        return fail("the prefix length of a VIP must be at least 1, got \"" +
                    std::string(words[0]) + "\"");
    }
    if (prefix->address.is_multicast() || is_unspecified(prefix->address)) {
        return fail(prefix->address.to_string() + " cannot be a VIP: it must be a unicast address");
    }
    std::optional<std::string> device;
    if (with_dev) {
        if (auto problem = interface_name_problem(words[2])) {
            return fail("dev \"" + std::string(words[2]) + "\": an interface name " + *problem);
        }
        device = std::string(words[2]);
    }
    return parsed_vip{vip{*prefix, std::move(device)}, {}};
}

void read_vips(const table_reader& reader, instance_draft& draft) {
    constexpr std::string_view k_form = k_vip_form;
    const toml::node* node = reader.find("vips");
    if (node == nullptr) {
        reader.report_missing("vips", "a non-empty array of " + std::string(k_form) + " strings");
        return;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        reader.report("vips", "vips must be an array such as [\"172.28.128.210/24\"], got " +
                                  std::string(describe(node->type())));
        return;
    }
    if (array->empty()) {
        reader.report("vips", "vips must list at least one address");
        return;
    }
    bool all_ok = true;
    std::optional<address_family> family;
    std::size_t first_index = 0;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string key = reader.key_path("vips[" + std::to_string(i) + "]");
        auto fail = [&](std::string message) {
            reader.diag().report(element.source(), key, std::move(message));
            all_ok = false;
        };
        auto parsed = parse_vip(element);
        if (!parsed.value) {
            fail(std::move(parsed.problem));
            continue;
        }
        const auto& prefix = parsed.value->prefix;
        if (!family) {
            family = prefix.address.family();
            first_index = i;
        } else if (*family != prefix.address.family()) {
            fail(prefix.address.to_string() + " is " +
                 std::string(family_name(prefix.address.family())) + " but vips[" +
                 std::to_string(first_index) + "] is " + std::string(family_name(*family)) +
                 "; one instance carries one address family, use a separate [[vrrp]] for the "
                 "other");
            continue;
        }
        const auto duplicate =
            std::find_if(draft.value.vips.begin(), draft.value.vips.end(),
                         [&](const vip& v) { return v.prefix.address == prefix.address; });
        if (duplicate != draft.value.vips.end()) {
            const auto& at =
                draft.vip_at[static_cast<std::size_t>(duplicate - draft.value.vips.begin())];
            fail(prefix.address.to_string() + " is listed twice in vips (first at line " +
                 std::to_string(at.line) + ")");
            continue;
        }
        draft.value.vips.push_back(std::move(*parsed.value));
        draft.vip_at.push_back(reader.diag().position_of(element.source()));
        draft.vip_index.push_back(i);
    }
    draft.vips_ok = all_ok && !draft.value.vips.empty();
}

}  // namespace vipd::config::detail
