#include "toml_section.hpp"

#include <algorithm>
#include <cstdio>

namespace vipd::importer::detail {
namespace {

std::string rendered_value(const toml_key& key) {
    if (!key.is_array) {
        return key.items.empty() ? std::string("\"\"") : key.items.front();
    }
    std::string out = "[";
    for (std::size_t i = 0; i < key.items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + key.items[i];
    }
    return out + "]";
}

bool is_note(const toml_key& key) {
    return !key.name.empty() && key.name.front() == '_';
}
bool is_comment(const toml_key& key) {
    return !key.name.empty() && key.name.front() == '#';
}

template <typename Keys>
auto* find_in(Keys& keys, std::string_view name) {
    const auto it =
        std::find_if(keys.begin(), keys.end(), [&](const toml_key& k) { return k.name == name; });
    return it == keys.end() ? nullptr : &*it;
}

}  // namespace

void toml_section::set(std::string_view name, std::string rendered) {
    auto* existing = find_in(keys, name);
    if (existing != nullptr) {
        existing->items = {std::move(rendered)};
        existing->is_array = false;
        return;
    }
    keys.push_back(toml_key{std::string(name), {std::move(rendered)}, false});
}

void toml_section::append(std::string_view name, std::string rendered) {
    auto* existing = find_in(keys, name);
    if (existing == nullptr) {
        keys.push_back(toml_key{std::string(name), {}, true});
        existing = &keys.back();
    }
    existing->is_array = true;
    existing->items.push_back(std::move(rendered));
}

const toml_key* toml_section::find(std::string_view name) const {
    return find_in(keys, name);
}

void toml_section::erase(std::string_view name) {
    std::erase_if(keys, [&](const toml_key& k) { return k.name == name; });
}

toml_section& toml_section::child(std::string_view child_header) {
    for (auto& c : children) {
        if (c.header == child_header) {
            return c;
        }
    }
    children.push_back(toml_section{std::string(child_header), {}, {}});
    return children.back();
}

std::string toml_section::render() const {
    std::string out = header + "\n";
    for (const auto& key : keys) {
        if (is_comment(key)) {
            out += key.name + "\n";
        } else if (!is_note(key)) {
            out += key.name + " = " + rendered_value(key) + "\n";
        }
    }
    for (const auto& c : children) {
        if (!c.header.starts_with('_')) {
            out += "\n" + c.render();
        }
    }
    return out;
}

std::string toml_section::render_inline() const {
    std::string out = "{ ";
    bool first = true;
    for (const auto& key : keys) {
        if (!is_note(key) && !is_comment(key)) {
            out += (first ? "" : ", ") + key.name + " = " + rendered_value(key);
            first = false;
        }
    }
    return out + " }";
}

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(byte));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace vipd::importer::detail
