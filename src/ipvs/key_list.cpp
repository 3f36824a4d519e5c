#include "vipd/ipvs/key_list.hpp"

#include <charconv>
#include <optional>
#include <vector>

#include "vipd/core/words.hpp"

namespace vipd::ipvs {
namespace {

template <typename Number>
std::optional<Number> number_of(std::string_view text) {
    Number value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<service_key> key_of(std::string_view line) {
    const auto words = words_of(line);
    if (words.size() != 3) {
        return std::nullopt;
    }
    if (words[0] == "fwmark") {
        const auto mark = number_of<std::uint32_t>(words[1]);
        if (!mark || *mark == 0 || (words[2] != "ipv4" && words[2] != "ipv6")) {
            return std::nullopt;
        }
        return fwmark_key{*mark, words[2] == "ipv4" ? address_family::ipv4 : address_family::ipv6};
    }
    std::optional<ipvs::protocol> proto;
    for (const auto candidate : {protocol::tcp, protocol::udp, protocol::sctp}) {
        if (words[0] == to_string(candidate)) {
            proto = candidate;
        }
    }
    const auto address = ip_address::parse(words[1]);
    const auto port = number_of<std::uint16_t>(words[2]);
    if (!proto || !address || !port) {
        return std::nullopt;
    }
    return endpoint_key{*proto, *address, *port};
}

}  // namespace

std::string format_key_list(const std::set<service_key>& keys) {
    std::string text;
    for (const auto& key : keys) {
        if (const auto* endpoint = std::get_if<endpoint_key>(&key)) {
            text += std::string(to_string(endpoint->protocol)) + " " +
                    endpoint->address.to_string() + " " + std::to_string(endpoint->port) + "\n";
        } else {
            const auto& mark = std::get<fwmark_key>(key);
            text += "fwmark " + std::to_string(mark.mark) +
                    (mark.family == address_family::ipv4 ? " ipv4\n" : " ipv6\n");
        }
    }
    return text;
}

std::set<service_key> parse_key_list(std::string_view text, std::size_t& skipped) {
    std::set<service_key> keys;
    skipped = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (words_of(line).empty()) {
            continue;
        }
        if (const auto key = key_of(line)) {
            keys.insert(*key);
        } else {
            ++skipped;
        }
    }
    return keys;
}

}  // namespace vipd::ipvs
