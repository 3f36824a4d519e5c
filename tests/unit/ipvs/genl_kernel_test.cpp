// Real-kernel tests of the generic netlink IPVS client. Root and a kernel with ip_vs (the VM
// tier); each test runs in a private network namespace because IPVS tables are per netns.
// `ipvsadm -Ln` is the oracle next to the client's own dump().

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include "support/addresses.hpp"
#include "vipd/ipvs/linux/genl_client.hpp"

namespace vipd::ipvs::linux {
namespace {

using support::addr;

std::string run(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        return output;
    }
    char chunk[4096];
    size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) {
        output.append(chunk, n);
    }
    ::pclose(pipe);
    return output;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::vector<std::string> tokens_of(const std::string& line) {
    std::vector<std::string> tokens;
    std::istringstream in(line);
    for (std::string token; in >> token;) {
        tokens.push_back(token);
    }
    return tokens;
}

bool has_token(const std::string& line, const std::string& token) {
    for (const auto& t : tokens_of(line)) {
        if (t == token) {
            return true;
        }
    }
    return false;
}

// The lines of `ipvsadm -Ln <extra>` from the service line starting with `service_prefix`:
// that line, then its "  -> " destination lines.
std::vector<std::string> ipvsadm_block(const std::string& extra, const std::string& service) {
    const auto lines = lines_of(run("ipvsadm -Ln " + extra));
    std::vector<std::string> block;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind(service, 0) == 0) {
            block.push_back(lines[i]);
            for (std::size_t j = i + 1; j < lines.size() && lines[j].rfind("  ->", 0) == 0; ++j) {
                block.push_back(lines[j]);
            }
            break;
        }
    }
    return block;
}

std::string find_dest_line(const std::vector<std::string>& block, const std::string& dest) {
    for (std::size_t i = 1; i < block.size(); ++i) {
        const auto tokens = tokens_of(block[i]);
        if (tokens.size() > 1 && tokens[1] == dest) {
            return block[i];
        }
    }
    return {};
}

// The table as readable lines (gtest would print raw bytes).
std::string describe(const table& t) {
    std::string text;
    for (const auto& [key, svc] : t) {
        text += to_string(operation{add_service{key, svc.settings}}) + "\n";
        for (const auto& [real, settings] : svc.destinations) {
            text += "  " + to_string(operation{add_destination{key, real, settings}}) + "\n";
        }
    }
    return text;
}

void expect_all_ok(const std::vector<operation_result>& results) {
    for (const auto& r : results) {
        EXPECT_FALSE(r.error) << to_string(r.op) << ": " << r.error.message();
    }
}

class GenlKernel : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "needs root";
        }
        if (!genl_client{}.available()) {
            (void)std::system("modprobe ip_vs >/dev/null 2>&1");
        }
        ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET)";
        // IPVS refuses an IPv4 real whose address type it cannot classify, and a namespace
        // without any route table classifies nothing: lo up creates the local table.
        ASSERT_EQ(std::system("ip link set lo up"), 0);
        client_ = std::make_unique<genl_client>();
        if (!client_->available()) {
            GTEST_SKIP() << "no IPVS: " << client_->open_error().message();
        }
    }

    std::unique_ptr<genl_client> client_;
};

TEST(GenlAvailability, MissingFamilyIsExplained) {
    genl_client client;
    if (client.available()) {
        EXPECT_FALSE(client.open_error());
        return;
    }
    EXPECT_EQ(client.open_error(), make_error_code(genl_errc::family_not_found))
        << client.open_error().message();
    EXPECT_NE(client.open_error().message().find("ip_vs"), std::string::npos);
    // Every operation reports the same cause instead of failing obscurely.
    const std::vector<operation> ops{delete_service{fwmark_key{1, address_family::ipv4}}};
    const auto results = client.apply(ops);
    ASSERT_EQ(results.size(), 1U);
    EXPECT_EQ(results[0].error, make_error_code(genl_errc::family_not_found));
    table t;
    EXPECT_EQ(client.dump(t), make_error_code(genl_errc::family_not_found));
}

struct service_row {
    const char* description;
    service_key key;
    service_settings settings;
    std::string ipvsadm_service;              // how the service line starts in ipvsadm -Ln
    std::vector<std::string> service_tokens;  // tokens that line must hold
};

struct dest_row {
    destination_key key;
    destination_settings settings;
    std::string ipvsadm_dest;  // "10.0.0.40:80"
    std::string forward;       // Masq / Route / Tunnel
};

TEST_F(GenlKernel, EveryKnobReadsBackThroughDumpAndIpvsadm) {
    const std::vector<service_row> services{
        {"tcp rr",
         endpoint_key{protocol::tcp, addr("10.1.0.1"), 80},
         {"rr", {}, 0, 32},
         "TCP  10.1.0.1:80",
         {"rr"}},
        {"udp wrr ops",
         endpoint_key{protocol::udp, addr("10.1.0.2"), 53},
         {"wrr", {.one_packet = true}, 0, 32},
         "UDP  10.1.0.2:53",
         {"wrr", "ops"}},
        {"sctp lc",
         endpoint_key{protocol::sctp, addr("10.1.0.3"), 5000},
         {"lc", {}, 0, 32},
         "SCTP 10.1.0.3:5000",
         {"lc"}},
        {"tcp wlc persistent /24",
         endpoint_key{protocol::tcp, addr("10.1.0.4"), 443},
         {"wlc", {}, 120, 24},
         "TCP  10.1.0.4:443",
         {"wlc", "persistent", "120", "mask", "255.255.255.0"}},
        {"tcp sh fallback+port",
         endpoint_key{protocol::tcp, addr("10.1.0.5"), 80},
         {"sh", {.sched1 = true, .sched2 = true}, 0, 32},
         "TCP  10.1.0.5:80",
         {"sh"}},
        {"tcp mh port",
         endpoint_key{protocol::tcp, addr("10.1.0.6"), 80},
         {"mh", {.sched2 = true}, 0, 32},
         "TCP  10.1.0.6:80",
         {"mh"}},
        {"fwmark v4",
         fwmark_key{10, address_family::ipv4},
         {"rr", {}, 300, 32},
         "FWM  10",
         {"rr", "persistent", "300"}},
        {"tcp v6 persistent /64",
         endpoint_key{protocol::tcp, addr("2001:db8::1"), 80},
         {"rr", {}, 60, 64},
         "TCP  [2001:db8::1]:80",
         {"rr", "persistent", "60", "mask", "64"}},
        {"fwmark v6",
         fwmark_key{11, address_family::ipv6},
         {"wlc", {}, 0, 128},
         "FWM  11",
         {"wlc"}},
    };
    // Destinations, attached to the first service of their family.
    const std::vector<dest_row> v4_dests{
        {{addr("10.2.0.1"), 8080}, {forwarding::nat, 3, 0, 0}, "10.2.0.1:8080", "Masq"},
        {{addr("10.2.0.2"), 80}, {forwarding::direct, 0, 0, 0}, "10.2.0.2:80", "Route"},
        {{addr("10.2.0.3"), 80}, {forwarding::direct, 7, 1000, 100}, "10.2.0.3:80", "Route"},
        {{addr("10.2.0.4"), 80},
         {forwarding::tunnel, 1, 0, 0, tunnel_type::ipip},
         "10.2.0.4:80",
         "Tunnel"},
        {{addr("10.2.0.5"), 80},
         {forwarding::tunnel, 2, 0, 0, tunnel_type::gue, 6080, true},
         "10.2.0.5:80",
         "Tunnel"},
        {{addr("10.2.0.6"), 80},
         {forwarding::tunnel, 4, 0, 0, tunnel_type::gre, 0, false},
         "10.2.0.6:80",
         "Tunnel"},
        // Mixed families are for tunnels only (IPVS_DEST_ATTR_ADDR_FAMILY).
        {{addr("2001:db8::20"), 80},
         {forwarding::tunnel, 6, 0, 0, tunnel_type::ipip},
         "[2001:db8::20]:80",
         "Tunnel"},
    };
    const std::vector<dest_row> v6_dests{
        {{addr("2001:db8::10"), 80}, {forwarding::direct, 5, 0, 0}, "[2001:db8::10]:80", "Route"},
        {{addr("2001:db8::11"), 80},
         {forwarding::tunnel, 1, 0, 0, tunnel_type::gue, 5555, false},
         "[2001:db8::11]:80",
         "Tunnel"},
    };

    table desired;
    std::vector<operation> ops;
    for (const auto& row : services) {
        desired[row.key].settings = row.settings;
        ops.push_back(add_service{row.key, row.settings});
    }
    const service_key v4_service = services[0].key;
    const service_key v6_service = services[7].key;
    for (const auto& d : v4_dests) {
        desired[v4_service].destinations[d.key] = d.settings;
        ops.push_back(add_destination{v4_service, d.key, d.settings});
    }
    for (const auto& d : v6_dests) {
        desired[v6_service].destinations[d.key] = d.settings;
        ops.push_back(add_destination{v6_service, d.key, d.settings});
    }
    expect_all_ok(client_->apply(ops));

    table observed;
    ASSERT_FALSE(client_->dump(observed));
    EXPECT_TRUE(observed == desired) << describe(observed) << "expected\n" << describe(desired);
    for (const auto& [key, svc] : desired) {
        if (observed.contains(key)) {
            EXPECT_EQ(observed.at(key), svc) << to_string(key);
        } else {
            ADD_FAILURE() << "missing " << to_string(key);
        }
    }

    const std::string listing = run("ipvsadm -Ln");
    SCOPED_TRACE(listing);
    for (const auto& row : services) {
        SCOPED_TRACE(row.description);
        const auto block = ipvsadm_block("", row.ipvsadm_service);
        ASSERT_FALSE(block.empty()) << "ipvsadm does not list " << row.ipvsadm_service;
        for (const auto& token : row.service_tokens) {
            EXPECT_TRUE(has_token(block[0], token)) << block[0] << " lacks " << token;
        }
        if (row.settings.flags.sched1 || row.settings.flags.sched2) {
            const std::string& name = row.settings.scheduler;
            if (row.settings.flags.sched1) {
                EXPECT_NE(block[0].find(name + "-fallback"), std::string::npos) << block[0];
            }
            if (row.settings.flags.sched2) {
                EXPECT_NE(block[0].find(name + "-port"), std::string::npos) << block[0];
            }
        }
        if (row.settings.persistence_timeout == 0) {
            EXPECT_FALSE(has_token(block[0], "persistent")) << block[0];
        }
    }
    auto check_dests = [](const std::string& service, const std::vector<dest_row>& dests) {
        const auto block = ipvsadm_block("", service);
        const auto thresholds = ipvsadm_block("--thresholds", service);
        const auto tunnels = ipvsadm_block("--tun-info", service);
        EXPECT_EQ(block.size(), dests.size() + 1);
        for (const auto& d : dests) {
            SCOPED_TRACE(d.ipvsadm_dest);
            const auto tokens = tokens_of(find_dest_line(block, d.ipvsadm_dest));
            ASSERT_GE(tokens.size(), 4U) << "ipvsadm does not list the destination";
            EXPECT_EQ(tokens[2], d.forward);
            EXPECT_EQ(tokens[3], std::to_string(d.settings.weight));
            // --thresholds: "-> ADDR:PORT UPPER LOWER ACTIVE INACTIVE"
            const auto t = tokens_of(find_dest_line(thresholds, d.ipvsadm_dest));
            ASSERT_GE(t.size(), 4U);
            EXPECT_EQ(t[2], std::to_string(d.settings.upper_threshold));
            EXPECT_EQ(t[3], std::to_string(d.settings.lower_threshold));
            // --tun-info: "-> ADDR:PORT FORWARD TUNNELINFO WEIGHT ...", where TUNNELINFO is
            // "n/a", "ipip", "gue:PORT:+c" or "gre:-c" (+c/-c: checksum on/off).
            const auto tun = tokens_of(find_dest_line(tunnels, d.ipvsadm_dest));
            ASSERT_GE(tun.size(), 4U);
            std::string info = "n/a";
            if (d.settings.forwarding == forwarding::tunnel) {
                const std::string csum = d.settings.tunnel_checksum ? "+c" : "-c";
                switch (d.settings.tunnel_type) {
                    case tunnel_type::ipip:
                        info = "ipip";
                        break;
                    case tunnel_type::gue:
                        info = "gue:" + std::to_string(d.settings.tunnel_port) + ":" + csum;
                        break;
                    case tunnel_type::gre:
                        info = "gre:" + csum;
                        break;
                }
            }
            EXPECT_EQ(tun[3], info);
        }
    };
    check_dests("TCP  10.1.0.1:80", v4_dests);
    check_dests("TCP  [2001:db8::1]:80", v6_dests);
}

TEST_F(GenlKernel, EditAndDelete) {
    const service_key key = endpoint_key{protocol::tcp, addr("10.3.0.1"), 80};
    const destination_key real1{addr("10.3.1.1"), 80};
    const destination_key real2{addr("10.3.1.2"), 80};
    const std::vector<operation> create{
        add_service{key, {"rr", {}, 0, 32}},
        add_destination{key, real1, {forwarding::direct, 1, 0, 0}},
        add_destination{key, real2, {forwarding::direct, 1, 0, 0}},
    };
    expect_all_ok(client_->apply(create));

    const service_settings edited_service{"sh", {.sched2 = true}, 600, 16};
    const destination_settings edited_real{forwarding::nat, 9, 50, 5};
    const std::vector<operation> edit{
        edit_service{key, edited_service},
        edit_destination{key, real1, edited_real},
        delete_destination{key, real2},
    };
    expect_all_ok(client_->apply(edit));
    table observed;
    ASSERT_FALSE(client_->dump(observed));
    table expected;
    expected[key].settings = edited_service;
    expected[key].destinations[real1] = edited_real;
    EXPECT_TRUE(observed == expected) << describe(observed) << "expected\n" << describe(expected);
    const auto block = ipvsadm_block("", "TCP  10.3.0.1:80");
    ASSERT_EQ(block.size(), 2U) << run("ipvsadm -Ln");
    EXPECT_TRUE(has_token(block[0], "sh")) << block[0];
    EXPECT_TRUE(has_token(block[0], "600")) << block[0];
    EXPECT_TRUE(has_token(block[0], "255.255.0.0")) << block[0];
    EXPECT_TRUE(has_token(block[1], "Masq")) << block[1];
    EXPECT_TRUE(has_token(block[1], "9")) << block[1];

    // Back to not persistent: the flag goes away with the timeout.
    const std::vector<operation> unpersist{edit_service{key, {"rr", {}, 0, 32}}};
    expect_all_ok(client_->apply(unpersist));
    ASSERT_FALSE(client_->dump(observed));
    EXPECT_EQ(observed.at(key).settings, (service_settings{"rr", {}, 0, 32}));
    EXPECT_FALSE(has_token(ipvsadm_block("", "TCP  10.3.0.1:80").at(0), "persistent"));

    const std::vector<operation> remove{delete_service{key}};
    expect_all_ok(client_->apply(remove));
    ASSERT_FALSE(client_->dump(observed));
    EXPECT_TRUE(observed.empty());
    EXPECT_TRUE(ipvsadm_block("", "TCP  10.3.0.1:80").empty());
}

TEST_F(GenlKernel, ListAndReadByKeySeeWhatTheWholeDumpSees) {
    const service_key web = endpoint_key{protocol::tcp, addr("10.4.0.1"), 80};
    const service_key dns = endpoint_key{protocol::udp, addr("2001:db8::53"), 53};
    const service_key mark = fwmark_key{7, address_family::ipv4};
    const service_key absent = endpoint_key{protocol::tcp, addr("10.4.0.2"), 80};
    const std::vector<operation> create{
        add_service{web, {"wlc", {}, 300, 24}},
        add_destination{web, {addr("10.4.1.1"), 80}, {forwarding::direct, 3, 0, 0}},
        add_destination{web, {addr("10.4.1.2"), 80}, {forwarding::direct, 1, 0, 0}},
        add_service{dns, {"rr", {}, 0, 128}},
        add_destination{dns, {addr("2001:db8::1:53"), 5353}, {forwarding::nat, 1, 0, 0}},
        add_service{mark, {"sh", {.sched2 = true}, 0, 32}},
    };
    expect_all_ok(client_->apply(create));

    std::set<service_key> listed;
    ASSERT_FALSE(client_->list(listed));
    EXPECT_EQ(listed, (std::set<service_key>{web, dns, mark}));

    table whole;
    ASSERT_FALSE(client_->dump(whole));
    table part;
    const std::vector<service_key> keys{absent, mark, web};
    ASSERT_FALSE(client_->dump(keys, part)) << "a missing service is not an error";
    table expected;
    expected[web] = whole.at(web);
    expected[mark] = whole.at(mark);
    EXPECT_TRUE(part == expected) << describe(part) << "expected\n" << describe(expected);
    EXPECT_EQ(part.at(web).destinations.size(), 2U);
    EXPECT_EQ(part.at(web).settings, (service_settings{"wlc", {}, 300, 24}));

    const std::vector<service_key> v6{dns};
    ASSERT_FALSE(client_->dump(v6, part));
    ASSERT_EQ(part.size(), 1U);
    EXPECT_EQ(part.at(dns), whole.at(dns));
}

class GenlKernelBatch : public GenlKernel, public ::testing::WithParamInterface<std::size_t> {};

// Batch limits 1 (one request per send), 3 (failures on chunk boundaries) and the default.
TEST_P(GenlKernelBatch, AFailedOperationDoesNotStopTheBatch) {
    client_->set_batch_limit(GetParam());
    const service_key a = endpoint_key{protocol::tcp, addr("10.4.0.1"), 80};
    const service_key b = endpoint_key{protocol::tcp, addr("10.4.0.2"), 80};
    const service_key missing = endpoint_key{protocol::tcp, addr("10.4.0.9"), 80};
    const destination_key real{addr("10.4.1.1"), 80};
    const std::vector<operation> ops{
        add_service{a, {}},
        add_service{a, {}},  // duplicate: EEXIST
        add_service{b, {}},
        add_destination{missing, real, {}},  // no such service
        add_destination{b, real, {}},
        delete_service{missing},  // no such service
        add_service{endpoint_key{protocol::tcp, addr("10.4.0.3"), 80},
                    {"nonexistent-sched", {}, 0, 32}},
        add_destination{a, real, {}},
    };
    const auto results = client_->apply(ops);
    ASSERT_EQ(results.size(), ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
        EXPECT_EQ(results[i].op, ops[i]);
    }
    EXPECT_FALSE(results[0].error);
    EXPECT_EQ(results[1].error, std::errc::file_exists) << results[1].error.message();
    EXPECT_FALSE(results[2].error);
    EXPECT_TRUE(results[3].error);
    EXPECT_FALSE(results[4].error);
    EXPECT_TRUE(results[5].error);
    EXPECT_TRUE(results[6].error);
    EXPECT_FALSE(results[7].error);

    table observed;
    ASSERT_FALSE(client_->dump(observed));
    table expected;
    expected[a].destinations[real] = {};
    expected[b].destinations[real] = {};
    EXPECT_TRUE(observed == expected) << describe(observed) << "expected\n" << describe(expected);
}

INSTANTIATE_TEST_SUITE_P(Limits, GenlKernelBatch, ::testing::Values(1, 3, 256));

TEST_F(GenlKernel, ThousandServicesTimesTenRealsInBatches) {
    table desired;
    std::vector<operation> ops;
    ops.reserve(11000);
    for (int s = 0; s < 1000; ++s) {
        const ip_address vip{ip_address::v4_bytes{10, 50, static_cast<std::uint8_t>(s / 250),
                                                  static_cast<std::uint8_t>(s % 250 + 1)}};
        const service_key key = endpoint_key{protocol::tcp, vip, 80};
        desired[key].settings = {"rr", {}, 0, 32};
        ops.push_back(add_service{key, desired[key].settings});
        for (int r = 0; r < 10; ++r) {
            const destination_key real{
                ip_address{ip_address::v4_bytes{10, 60, static_cast<std::uint8_t>(s / 250),
                                                static_cast<std::uint8_t>(s % 250 + 1)}},
                static_cast<std::uint16_t>(8000 + r)};
            const destination_settings settings{forwarding::nat, static_cast<std::uint32_t>(r + 1),
                                                0, 0};
            desired[key].destinations[real] = settings;
            ops.push_back(add_destination{key, real, settings});
        }
    }
    const auto start = std::chrono::steady_clock::now();
    const auto results = client_->apply(ops);
    const auto applied = std::chrono::steady_clock::now();
    table observed;
    ASSERT_FALSE(client_->dump(observed));
    const auto dumped = std::chrono::steady_clock::now();
    std::size_t failures = 0;
    for (const auto& r : results) {
        failures += r.error ? 1 : 0;
    }
    EXPECT_EQ(failures, 0U);
    EXPECT_EQ(observed.size(), desired.size());
    EXPECT_TRUE(observed == desired);
    const auto ms = [](auto d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    std::cout << "[ timing ] apply 11000 ops: " << ms(applied - start)
              << " ms; dump 1000 services x 10 reals: " << ms(dumped - applied) << " ms\n";
    RecordProperty("apply_ms", std::to_string(ms(applied - start)));
    RecordProperty("dump_ms", std::to_string(ms(dumped - applied)));

    const auto lines = lines_of(run("ipvsadm -Ln"));
    std::size_t service_lines = 0;
    std::size_t dest_lines = 0;
    for (const auto& line : lines) {
        service_lines += line.rfind("TCP  ", 0) == 0 ? 1 : 0;
        dest_lines +=
            line.rfind("  -> ", 0) == 0 && line.find("RemoteAddress") == std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(service_lines, 1000U);
    EXPECT_EQ(dest_lines, 10000U);

    // And the same batch again: every op fails with EEXIST, each reported, none lost.
    const auto again = client_->apply(ops);
    std::size_t exists = 0;
    for (const auto& r : again) {
        exists += r.error == std::errc::file_exists ? 1 : 0;
    }
    EXPECT_EQ(exists, ops.size());

    // For comparison, one request per round trip (what keepalived does): delete everything in
    // one batch, then apply the same operations with a batch limit of 1.
    std::vector<operation> deletes;
    for (const auto& [key, svc] : desired) {
        deletes.push_back(delete_service{key});
    }
    expect_all_ok(client_->apply(deletes));
    ASSERT_FALSE(client_->dump(observed));
    EXPECT_TRUE(observed.empty());
    client_->set_batch_limit(1);
    const auto single_start = std::chrono::steady_clock::now();
    const auto single = client_->apply(ops);
    const auto single_end = std::chrono::steady_clock::now();
    failures = 0;
    for (const auto& r : single) {
        failures += r.error ? 1 : 0;
    }
    EXPECT_EQ(failures, 0U);
    std::cout << "[ timing ] apply 11000 ops one per round trip: " << ms(single_end - single_start)
              << " ms\n";
    RecordProperty("apply_unbatched_ms", std::to_string(ms(single_end - single_start)));
}

TEST_F(GenlKernel, SyncDaemons) {
    ASSERT_EQ(std::system("ip link add vh-genl0 type veth peer name vh-genl1 && "
                          "ip link set vh-genl0 up && ip link set vh-genl1 up"),
              0);
    sync_daemons_by_role running;
    ASSERT_FALSE(client_->list_sync(running));
    EXPECT_TRUE(running.empty());
    ASSERT_FALSE(client_->start_sync(sync_role::master, "vh-genl0", 7));
    ASSERT_FALSE(client_->start_sync(sync_role::backup, "vh-genl1", 200));
    ASSERT_FALSE(client_->list_sync(running));
    EXPECT_EQ(running, (sync_daemons_by_role{{sync_role::master, {"vh-genl0", 7}},
                                             {sync_role::backup, {"vh-genl1", 200}}}));
    const std::string daemons = run("ipvsadm -L --daemon");
    EXPECT_NE(daemons.find("master sync daemon (mcast=vh-genl0, syncid=7"), std::string::npos)
        << daemons;
    EXPECT_NE(daemons.find("backup sync daemon (mcast=vh-genl1, syncid=200"), std::string::npos)
        << daemons;
    // Starting a running one again is refused by the kernel.
    EXPECT_TRUE(client_->start_sync(sync_role::master, "vh-genl0", 7));
    EXPECT_FALSE(client_->stop_sync(sync_role::master));
    ASSERT_FALSE(client_->list_sync(running));
    EXPECT_EQ(running, (sync_daemons_by_role{{sync_role::backup, {"vh-genl1", 200}}}));
    EXPECT_FALSE(client_->stop_sync(sync_role::backup));
    const std::string after = run("ipvsadm -L --daemon");
    EXPECT_EQ(after.find("sync daemon"), std::string::npos) << after;
    ASSERT_FALSE(client_->list_sync(running));
    EXPECT_TRUE(running.empty());
}

}  // namespace
}  // namespace vipd::ipvs::linux
