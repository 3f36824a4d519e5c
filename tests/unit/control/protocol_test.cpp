#include "vipd/control/protocol.hpp"

#include <gtest/gtest.h>

#include <string>

#include "samples.hpp"

namespace vipd::control {
namespace {

using testing::sample_services;
using testing::sample_status;

template <class T>
const T& value_of(const decoded<T>& d) {
    if (const auto* error = std::get_if<std::string>(&d)) {
        ADD_FAILURE() << "decode failed: " << *error;
        static const T empty{};
        return empty;
    }
    return std::get<T>(d);
}

template <class T>
std::string error_of(const decoded<T>& d) {
    if (const auto* error = std::get_if<std::string>(&d)) {
        return *error;
    }
    return "(decoded without error)";
}

TEST(Command, NamesRoundTripAndOnlyInstanceCommandsNeedAName) {
    for (auto c : {command::status, command::ipvs, command::reload, command::demote,
                   command::promote, command::garp, command::drain, command::undrain}) {
        EXPECT_EQ(parse_command(to_string(c)), c) << to_string(c);
    }
    EXPECT_EQ(parse_command("STATUS"), std::nullopt);
    EXPECT_EQ(parse_command(""), std::nullopt);
    EXPECT_FALSE(needs_instance(command::status));
    EXPECT_FALSE(needs_instance(command::ipvs));
    EXPECT_FALSE(needs_instance(command::reload));
    EXPECT_TRUE(needs_instance(command::demote));
    EXPECT_TRUE(needs_instance(command::promote));
    EXPECT_TRUE(needs_instance(command::garp));
    EXPECT_FALSE(needs_instance(command::drain));
    EXPECT_TRUE(needs_real(command::drain));
    EXPECT_TRUE(needs_real(command::undrain));
    EXPECT_FALSE(needs_real(command::demote));
}

request drain_request(std::string service, std::string real, std::string for_duration = "") {
    request r;
    r.cmd = command::drain;
    r.service = std::move(service);
    r.real = std::move(real);
    r.for_duration = std::move(for_duration);
    return r;
}

TEST(Request, EncodesAsOneLineOfJson) {
    EXPECT_EQ(encode(request{command::status, ""}), R"({"command":"status"})");
    EXPECT_EQ(encode(request{command::demote, "web"}), R"({"command":"demote","instance":"web"})");
    EXPECT_EQ(encode(drain_request("web-80", "10.0.0.40:80", "10m")),
              R"({"command":"drain","for":"10m","real":"10.0.0.40:80","service":"web-80"})");
    EXPECT_EQ(encode(drain_request("tcp 10.0.0.1:80", "10.0.0.40")),
              R"({"command":"drain","real":"10.0.0.40","service":"tcp 10.0.0.1:80"})");
}

TEST(Request, DecodesValidLines) {
    struct row {
        const char* description;
        const char* text;
        request expected;
    };
    const row rows[] = {
        {"plain", R"({"command":"status"})", {command::status, ""}},
        {"trailing newline", "{\"command\":\"ipvs\"}\n", {command::ipvs, ""}},
        {"trailing CRLF (nc, telnet)", "{\"command\":\"reload\"}\r\n", {command::reload, ""}},
        {"instance", R"({"command":"garp","instance":"web"})", {command::garp, "web"}},
        {"unknown fields ignored",
         R"({"command":"promote","instance":"db","v":2,"x":[1]})",
         {command::promote, "db"}},
        {"instance dropped where meaningless",
         R"({"command":"status","instance":"web"})",
         {command::status, ""}},
        {"null instance on status",
         R"({"command":"status","instance":null})",
         {command::status, ""}},
        {"drain for a while",
         R"({"command":"drain","service":"web-80","real":"10.0.0.40:80","for":"10m"})",
         drain_request("web-80", "10.0.0.40:80", "10m")},
        {"drain until undrained", R"({"command":"drain","service":"web-80","real":"10.0.0.40"})",
         drain_request("web-80", "10.0.0.40")},
        {"undrain drops for and instance",
         R"({"command":"undrain","service":"s","real":"r","for":"1m","instance":"web"})",
         [] {
             auto r = drain_request("s", "r");
             r.cmd = command::undrain;
             return r;
         }()},
        {"service and real dropped where meaningless",
         R"({"command":"garp","instance":"web","service":"s","real":"r"})",
         {command::garp, "web"}},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(value_of(decode_request(r.text)), r.expected) << r.description;
    }
}

TEST(Request, DecodeErrorsNameTheProblem) {
    struct row {
        const char* description;
        const char* text;
        const char* error;
    };
    const row rows[] = {
        {"empty", "", "not valid JSON"},
        {"truncated", R"({"command":"sta)", "not valid JSON"},
        {"two lines", "{\"command\":\"status\"}\n{}", "not valid JSON"},
        {"not an object", R"(["status"])", "request: must be an object, got an array"},
        {"no command", R"({"instance":"web"})", "request.command: missing"},
        {"command not a string", R"({"command":3})",
         "request.command: must be a string, got an integer"},
        {"unknown command", R"({"command":"shutdown"})",
         "request.command: unknown command \"shutdown\""},
        {"demote without instance", R"({"command":"demote"})",
         "request.instance: missing: demote needs an instance name"},
        {"garp with empty instance", R"({"command":"garp","instance":""})",
         "request.instance: missing: garp needs an instance name"},
        {"instance not a string", R"({"command":"promote","instance":7})",
         "request.instance: must be a string, got an integer"},
        {"drain without a real", R"({"command":"drain","service":"web-80"})",
         "request.real: missing: drain needs a service and a real"},
        {"undrain with an empty service", R"({"command":"undrain","service":"","real":"r"})",
         "request.service: missing: undrain needs a service and a real"},
        {"for not a string", R"({"command":"drain","service":"s","real":"r","for":600})",
         "request.for: must be a string, got an integer"},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(error_of(decode_request(r.text)), r.error) << r.description;
    }
}

// vipd encodes a big `vipctl ipvs` answer a slice of services per loop turn; the pieces must
// add up to exactly what encode() writes for the whole answer.
TEST(Response, AServicesAnswerEncodedInPiecesIsTheWholeEncoding) {
    response whole;
    whole.services = sample_services();
    std::string items;
    for (const auto& service : *whole.services) {
        items += (items.empty() ? "" : ",") + encode_service(service);
    }
    EXPECT_EQ(encode_services_answer(items), encode(whole));
    response none;
    none.services.emplace();
    EXPECT_EQ(encode_services_answer(""), encode(none));
}

TEST(Response, ErrorAndMessageEncodeOnlyWhenSet) {
    // nlohmann orders object keys by name: the golden text is stable.
    EXPECT_EQ(encode(response{}), R"({"ok":true})");
    EXPECT_EQ(encode(response{false, "no instance named \"x\"", {}, {}, {}}),
              R"({"error":"no instance named \"x\"","ok":false})");
    EXPECT_EQ(encode(response{true, {}, "web demoted to priority 1", {}, {}}),
              R"({"message":"web demoted to priority 1","ok":true})");
}

TEST(Response, StatusAndServicesRoundTrip) {
    response full;
    full.message = "ok";
    full.status = sample_status();
    full.status->last_reload = reload_view{false, testing::k_now - 60, "vrrp[0].vrid: must be"};
    full.services = sample_services();
    const std::string line = encode(full);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(value_of(decode_response(line)), full);

    // A sync group member keeps its group.
    full.status->instances[0].sync_group = "nat";
    EXPECT_EQ(value_of(decode_response(encode(full))), full);

    // Drains, with and without a deadline, in both views.
    full.status->drained = {{"web-http", "10.0.0.1:80", testing::k_now + 600},
                            {"mail", "[2001:db8::1]:25", std::nullopt}};
    full.services->at(0).reals.at(0).drained = true;
    full.services->at(0).reals.at(0).drained_until_unix = testing::k_now + 600;
    full.services->at(1).reals.at(0).drained = true;
    EXPECT_EQ(value_of(decode_response(encode(full))), full);

    // [[bgp_vip]] announced, withdrawn by its gate, withdrawn by a demote.
    full.status->bgp_vips = testing::sample_bgp_vips();
    EXPECT_EQ(value_of(decode_response(encode(full))), full);

    // Every optional unset, empty lists.
    response sparse;
    sparse.status = status_view{};
    sparse.services = std::vector<service_view>{};
    EXPECT_EQ(value_of(decode_response(encode(sparse))), sparse);
}

TEST(Response, StatusJsonHasTheDocumentedFieldNames) {
    status_view s;
    s.router_id = "dir1";
    s.config_files = {"/etc/vipd/vipd.toml"};
    s.started_unix = 100;
    s.instances = {testing::v6_fault()};
    s.instances[0].since_unix = 200;
    EXPECT_EQ(to_json_text(s, -1),
              R"({"bgp_vips":[],"config_files":["/etc/vipd/vipd.toml"],"drained":[],)"
              R"("instances":[{"configured_priority":100,)"
              R"("demoted":false,"interface":"eth2","master":null,"name":"v6","priority":90,)"
              R"("since_unix":200,"state":"FAULT","sync_group":null,"transitions":0,)"
              R"("vips":["2001:db8::10/128"],)"
              R"("vrid":7}],"last_reload":null,"router_id":"dir1","started_unix":100})");
    s.last_reload = reload_view{true, 300, "2 instances"};
    s.instances.clear();
    s.drained = {{"web-80", "10.0.0.40:80", 400}, {"tcp 10.0.0.1:443", "10.0.0.41:443", {}}};
    s.bgp_vips = {{"anycast", "192.0.2.10", false, "demoted by vipctl", true}};
    EXPECT_EQ(to_json_text(s, -1),
              R"({"bgp_vips":[{"address":"192.0.2.10","announced":false,"demoted":true,)"
              R"("name":"anycast","reason":"demoted by vipctl"}],)"
              R"("config_files":["/etc/vipd/vipd.toml"],)"
              R"("drained":[{"real":"10.0.0.40:80","service":"web-80","until_unix":400},)"
              R"({"real":"10.0.0.41:443","service":"tcp 10.0.0.1:443","until_unix":null}],)"
              R"("instances":[],)"
              R"("last_reload":{"at_unix":300,"message":"2 instances","ok":true},)"
              R"("router_id":"dir1","started_unix":100})");
}

TEST(Response, ServicesJsonHasTheDocumentedFieldNames) {
    service_view s;
    s.name = "dns";
    s.key = "udp 10.0.0.53:53";
    s.scheduler = "rr";
    real_view r;
    r.address = "10.0.0.1:53";
    r.forwarding = "route";
    r.weight = 2;
    r.kernel_weight = 2;
    r.health = "up";
    r.latency_ms = 0.5;
    s.reals = {r};
    EXPECT_EQ(to_json_text(std::vector{s}, -1),
              R"([{"bytes_in":0,"bytes_out":0,"connections":0,"gate":"","in_kernel":false,)"
              R"("key":"udp 10.0.0.53:53","name":"dns","packets_in":0,"packets_out":0,)"
              R"("reals":[{"active_connections":0,"address":"10.0.0.1:53","detail":"",)"
              R"("drained":false,"drained_until_unix":null,)"
              R"("fallback":false,"forwarding":"route","health":"up","inactive_connections":0,)"
              R"("kernel_weight":2,"latency_ms":0.5,"weight":2}],"scheduler":"rr"}])");
}

TEST(Response, PrettyJsonIsIndentedOverSeveralLines) {
    const std::string pretty = to_json_text(sample_status(), 2);
    EXPECT_NE(pretty.find("\n  \"config_files\": [\n"), std::string::npos) << pretty;
}

TEST(Response, InvalidUtf8IsReplacedNotThrown) {
    response r;
    r.services = sample_services();
    r.services->at(0).reals.at(0).detail = "HTTP 200 body \xff\xfe";
    std::string line;
    ASSERT_NO_THROW(line = encode(r));
    const auto decoded_back = value_of(decode_response(line));
    ASSERT_TRUE(decoded_back.services);
    EXPECT_EQ(decoded_back.services->at(0).reals.at(0).detail,
              "HTTP 200 body \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Response, DecodeErrorsNameTheField) {
    struct row {
        const char* description;
        std::string text;
        const char* error;
    };
    const std::string instance =
        R"({"name":"web","interface":"eth0","vrid":51,"state":"MASTER","priority":150,)"
        R"("configured_priority":150,"vips":[],"since_unix":1,"transitions":0,"demoted":false)";
    const std::string status_head =
        R"({"ok":true,"status":{"router_id":"r","config_files":[],"started_unix":0,"instances":[)";
    const std::string real =
        R"({"address":"a","forwarding":"route","weight":1,"health":"up","detail":"",)"
        R"("fallback":false,"active_connections":0,"inactive_connections":0)";
    const std::string service_head =
        R"({"ok":true,"services":[{"name":"s","key":"k","scheduler":"rr","gate":"",)"
        R"("in_kernel":true,"connections":0,"packets_in":0,"packets_out":0,"bytes_in":0,)"
        R"("bytes_out":0,"reals":[)";
    const row rows[] = {
        {"not JSON", "ok", "not valid JSON"},
        {"no ok", R"({"error":"x"})", "response.ok: missing"},
        {"ok not boolean", R"({"ok":1})", "response.ok: must be a boolean, got an integer"},
        {"error not a string", R"({"ok":false,"error":["x"]})",
         "response.error: must be a string, got an array"},
        {"status not an object", R"({"ok":true,"status":[]})",
         "response.status: must be an object, got an array"},
        {"instance with a name only", status_head + R"({"name":"web"}]}})",
         "response.status.instances[0].interface: missing"},
        {"vrid fractional",
         status_head + instance + R"(},)" +
             std::string(instance).replace(instance.find("51"), 2, "5.5") + "}]}}",
         "response.status.instances[1].vrid: must be an integer, got a fractional number"},
        {"priority out of int range",
         status_head +
             std::string(instance).replace(instance.find("\"priority\":150"), 14,
                                           "\"priority\":99999999999") +
             "}]}}",
         "response.status.instances[0].priority: out of range"},
        {"negative transitions",
         status_head +
             std::string(instance).replace(instance.find("\"transitions\":0"), 15,
                                           "\"transitions\":-1") +
             "}]}}",
         "response.status.instances[0].transitions: must be a non-negative integer, got an "
         "integer"},
        {"vips entry not a string",
         status_head +
             std::string(instance).replace(instance.find("\"vips\":[]"), 9, "\"vips\":[\"a\",1]") +
             "}]}}",
         "response.status.instances[0].vips[1]: must be a string, got an integer"},
        {"master wrong type", status_head + instance + R"(,"master":5}]}})",
         "response.status.instances[0].master: must be a string, got an integer"},
        {"last_reload incomplete", status_head + R"(],"last_reload":{"ok":true}}})",
         "response.status.last_reload.at_unix: missing"},
        {"services not an array", R"({"ok":true,"services":{}})",
         "response.services: must be an array, got an object"},
        {"real missing weight",
         service_head + real + "}," +
             std::string(real).replace(real.find("\"weight\":1,"), 11, "") + "}]}]}",
         "response.services[0].reals[1].weight: missing"},
        {"latency not a number", service_head + real + R"(,"latency_ms":"1ms"}]}]})",
         "response.services[0].reals[0].latency_ms: must be a number, got a string"},
        {"kernel weight fractional", service_head + real + R"(,"kernel_weight":0.5}]}]})",
         "response.services[0].reals[0].kernel_weight: must be an integer, got a fractional "
         "number"},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(error_of(decode_response(r.text)), r.error) << r.description << ": " << r.text;
    }
}

TEST(Response, OptionalFieldsMayBeAbsentOrNull) {
    const std::string line =
        R"({"ok":true,"future":{"x":1},"services":[{"name":"s","key":"k","scheduler":"rr",)"
        R"("gate":"","in_kernel":true,"connections":0,"packets_in":0,"packets_out":0,)"
        R"("bytes_in":0,"bytes_out":0,"reals":[{"address":"a","forwarding":"route","weight":1,)"
        R"("kernel_weight":null,"health":"up","detail":"","fallback":false,)"
        R"("active_connections":0,"inactive_connections":0,"new_counter":5}]}]})";
    const auto r = value_of(decode_response(line));
    ASSERT_TRUE(r.services);
    ASSERT_EQ(r.services->size(), 1U);
    EXPECT_EQ(r.services->at(0).reals.at(0).kernel_weight, std::nullopt);
    EXPECT_EQ(r.services->at(0).reals.at(0).latency_ms, std::nullopt);
    EXPECT_FALSE(r.services->at(0).reals.at(0).drained) << "absent from an older vipd";
    EXPECT_EQ(r.services->at(0).reals.at(0).drained_until_unix, std::nullopt);
    EXPECT_FALSE(r.status);
}

TEST(Response, AStatusFromAnOlderVipdHasNoDrainsAndNoBgpVips) {
    const auto r = value_of(decode_response(
        R"({"ok":true,"status":{"router_id":"r","config_files":[],"started_unix":0,)"
        R"("instances":[],"last_reload":null}})"));
    ASSERT_TRUE(r.status);
    EXPECT_TRUE(r.status->drained.empty());
    EXPECT_TRUE(r.status->bgp_vips.empty());
    EXPECT_EQ(error_of(decode_response(
                  R"({"ok":true,"status":{"router_id":"r","config_files":[],"started_unix":0,)"
                  R"("instances":[],"bgp_vips":[{"name":"a","address":"192.0.2.10",)"
                  R"("announced":"yes","reason":"","demoted":false}]}})")),
              "response.status.bgp_vips[0].announced: must be a boolean, got a string");
    EXPECT_EQ(error_of(decode_response(
                  R"({"ok":true,"status":{"router_id":"r","config_files":[],"started_unix":0,)"
                  R"("instances":[],"bgp_vips":{}}})")),
              "response.status.bgp_vips: must be an array, got an object");
    EXPECT_EQ(error_of(decode_response(
                  R"({"ok":true,"status":{"router_id":"r","config_files":[],"started_unix":0,)"
                  R"("instances":[],"drained":[{"service":"s"}]}})")),
              "response.status.drained[0].real: missing");
}

TEST(Response, LargeCountersSurvive) {
    response r;
    r.services = sample_services();
    r.services->at(0).bytes_out = UINT64_MAX;
    r.status = status_view{};
    r.status->started_unix = INT64_MIN;
    EXPECT_EQ(value_of(decode_response(encode(r))), r);
}

}  // namespace
}  // namespace vipd::control
