#include "vipd/importer/ipvsadm.hpp"

#include <map>
#include <sstream>

namespace vipd::importer {
namespace {

/// "10.0.0.1:80" or "[2001:db8::1]:80" as keepalived's two arguments ADDRESS PORT.
std::vector<std::string> address_and_port(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || (text.find(':') != colon && text.front() != '[')) {
        return {text};  // no port (a real of a DR service may leave it out)
    }
    auto address = text.substr(0, colon);
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
    }
    return {address, text.substr(colon + 1)};
}

const std::map<std::string, std::string> k_protocols = {{"-t", "TCP"},
                                                        {"--tcp-service", "TCP"},
                                                        {"-u", "UDP"},
                                                        {"--udp-service", "UDP"},
                                                        {"--sctp-service", "SCTP"}};

const std::map<std::string, std::string> k_methods = {{"-g", "DR"},  {"--gatewaying", "DR"},
                                                      {"-m", "NAT"}, {"--masquerading", "NAT"},
                                                      {"-i", "TUN"}, {"--ipip", "TUN"}};

/// Options that take a value, and the keepalived keyword that value becomes.
const std::map<std::string, std::string> k_valued = {{"-s", "lb_algo"},
                                                     {"--scheduler", "lb_algo"},
                                                     {"-M", "persistence_granularity"},
                                                     {"--netmask", "persistence_granularity"},
                                                     {"-w", "weight"},
                                                     {"--weight", "weight"},
                                                     {"-x", "uthreshold"},
                                                     {"--u-threshold", "uthreshold"},
                                                     {"-y", "lthreshold"},
                                                     {"--l-threshold", "lthreshold"}};

class rules_reader {
  public:
    explicit rules_reader(std::string file) : file_(std::move(file)) {}

    void line(const std::string& text, std::uint32_t number) {
        std::istringstream in(text);
        std::vector<std::string> words;
        for (std::string word; in >> word;) {
            words.push_back(word);
        }
        if (words.empty() || words.front().starts_with('#')) {
            return;
        }
        node statement = at(number, "", {});
        std::string service_key;
        for (std::size_t i = 1; i < words.size(); ++i) {
            read_option(words, i, statement, service_key, number);
        }
        const auto& command = words.front();
        if (command == "-A" || command == "--add-service") {
            add_service(std::move(statement), service_key, number);
        } else if (command == "-a" || command == "--add-server") {
            add_real(std::move(statement), service_key, number);
        } else {
            error(number, "only -A and -a lines (ipvsadm-save's) are read");
        }
    }

    parse_result finish() {
        for (auto& service : services_) {
            out_.nodes.push_back(std::move(service));
        }
        return std::move(out_);
    }

  private:
    node at(std::uint32_t line, std::string keyword, std::vector<std::string> args) const {
        node n;
        n.keyword = std::move(keyword);
        n.args = std::move(args);
        n.file = file_;
        n.line = line;
        return n;
    }

    void error(std::uint32_t line, std::string message) {
        out_.errors.push_back(syntax_error{file_, line, std::move(message)});
    }

    void read_option(const std::vector<std::string>& words, std::size_t& i, node& statement,
                     std::string& service_key, std::uint32_t number) {
        const auto& option = words[i];
        const bool has_value = i + 1 < words.size() && !words[i + 1].starts_with('-');
        if (const auto protocol = k_protocols.find(option); protocol != k_protocols.end()) {
            service_key = has_value ? protocol->second + " " + words[++i] : "";
            statement.args = address_and_port(has_value ? words[i] : "");
            statement.children.push_back(at(number, "protocol", {protocol->second}));
        } else if (option == "-f" || option == "--fwmark-service") {
            service_key = has_value ? "fwmark " + words[++i] : "";
            statement.args = {"fwmark", has_value ? words[i] : ""};
        } else if (option == "-r" || option == "--real-server") {
            statement.children.push_back(
                at(number, "real", address_and_port(has_value ? words[++i] : "")));
        } else if (const auto method = k_methods.find(option); method != k_methods.end()) {
            statement.children.push_back(at(number, "lvs_method", {method->second}));
        } else if (const auto valued = k_valued.find(option);
                   valued != k_valued.end() && has_value) {
            statement.children.push_back(at(number, valued->second, {words[++i]}));
        } else if (option == "-p" || option == "--persistent") {
            statement.children.push_back(
                at(number, "persistence_timeout",
                   has_value ? std::vector{words[++i]} : std::vector<std::string>{}));
        } else if (option == "-o" || option == "--ops") {
            statement.children.push_back(at(number, "ops", {}));
        } else if ((option == "-b" || option == "--sched-flags") && has_value) {
            // "sh-port,sh-fallback": keepalived writes each flag as a keyword of its own.
            std::istringstream flags(words[++i]);
            for (std::string flag; std::getline(flags, flag, ',');) {
                statement.children.push_back(at(number, flag, {}));
            }
        } else {
            statement.children.push_back(
                at(number, "ipvsadm " + option,
                   has_value ? std::vector{words[++i]} : std::vector<std::string>{}));
        }
    }

    void add_service(node statement, const std::string& key, std::uint32_t number) {
        if (key.empty() || index_.contains(key)) {
            error(number, key.empty() ? "a service needs -t, -u, --sctp-service or -f"
                                      : "the service " + key + " is added twice");
            return;
        }
        statement.keyword = "virtual_server";
        statement.has_block = true;
        index_[key] = services_.size();
        services_.push_back(std::move(statement));
    }

    void add_real(node statement, const std::string& key, std::uint32_t number) {
        const auto service = index_.find(key);
        if (service == index_.end()) {
            error(number, "a real of a service no -A line added");
            return;
        }
        node real = at(number, "real_server", {});
        real.has_block = true;
        auto& parent = services_[service->second];
        for (auto& option : statement.children) {
            if (option.keyword == "real") {
                real.args = std::move(option.args);
            } else if (option.keyword == "lvs_method") {
                // The service's forwarding is its first real's (ipvsadm sets it per real only);
                // a real says its own only when it differs.
                const auto* service_kind = find_statement_in(parent, "lb_kind");
                if (service_kind == nullptr) {
                    parent.children.push_back(at(number, "lb_kind", option.args));
                } else if (service_kind->args != option.args) {
                    real.children.push_back(std::move(option));
                }
            } else if (option.keyword != "protocol") {
                real.children.push_back(std::move(option));
            }
        }
        parent.children.push_back(std::move(real));
    }

    static const node* find_statement_in(const node& parent, std::string_view keyword) {
        for (const auto& child : parent.children) {
            if (child.keyword == keyword) {
                return &child;
            }
        }
        return nullptr;
    }

    std::string file_;
    std::vector<node> services_;
    std::map<std::string, std::size_t> index_;
    parse_result out_;
};

}  // namespace

parse_result parse_ipvsadm_rules(const std::string& text, const std::string& file_name) {
    rules_reader reader(file_name);
    std::istringstream in(text);
    std::uint32_t number = 0;
    for (std::string line; std::getline(in, line);) {
        reader.line(line, ++number);
    }
    return reader.finish();
}

}  // namespace vipd::importer
