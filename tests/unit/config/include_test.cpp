// `include` fragments: files in a fresh temporary directory per test, removed afterwards.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/config_results.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using support::all_errors;

namespace fs = std::filesystem;

std::vector<std::string> names_of(const daemon_config& c) {
    std::vector<std::string> out;
    for (const auto& i : c.vrrp) {
        out.push_back(i.name);
    }
    return out;
}

constexpr std::string_view k_main_instance = R"([[vrrp]]
name = "main"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
)";

class IncludeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        // The pid keeps parallel ctest processes apart, the test name the tests of one process.
        dir_ = fs::temp_directory_path() /
               ("vipd-include-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    /// Writes `text` to `relative` under the test directory; returns the full path.
    std::string write(const std::string& relative, std::string_view text) const {
        const auto path = dir_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path) << text;
        return path.string();
    }
    std::string path(const std::string& relative) const { return (dir_ / relative).string(); }

    /// Writes `text` as main.toml and loads it.
    load_result load_main(std::string_view text) const {
        return load_file(write("main.toml", text), "host");
    }

    fs::path dir_;
};

TEST_F(IncludeTest, FragmentsFollowTheMainFileInSortedOrder) {
    write("conf.d/b.toml", R"([[vrrp]]
name = "b"
interface = "eth1"
vrid = 3
vips = ["10.0.0.3/24"]
)");
    write("conf.d/a.toml", R"([[vrrp]]
name = "a"
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]

[[virtual_server]]
name = "web"
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.1.0.1"
)");
    const auto result =
        load_main(std::string("include = [\"conf.d/*.toml\"]\n") + std::string(k_main_instance));
    ASSERT_TRUE(result.ok()) << all_errors(result);
    const auto& c = *result.config;
    EXPECT_EQ(names_of(c), (std::vector<std::string>{"main", "a", "b"}));
    EXPECT_EQ(c.file, path("main.toml"));
    EXPECT_EQ(c.files, (std::vector<std::string>{path("main.toml"), path("conf.d/a.toml"),
                                                 path("conf.d/b.toml")}));
    // Positions name the file each entry was written in.
    EXPECT_EQ(c.vrrp[0].position, (source_position{path("main.toml"), 2, 1}));
    EXPECT_EQ(c.vrrp[1].position, (source_position{path("conf.d/a.toml"), 1, 1}));
    EXPECT_EQ(c.vrrp[2].position, (source_position{path("conf.d/b.toml"), 1, 1}));
    ASSERT_EQ(c.virtual_servers.size(), 1u);
    EXPECT_EQ(c.virtual_servers[0].position.file, path("conf.d/a.toml"));
    EXPECT_EQ(c.virtual_servers[0].position.line, 7u);
    EXPECT_EQ(c.virtual_servers[0].reals.at(0).position,
              (source_position{path("conf.d/a.toml"), 11, 1}));
    // The VIP's owner is found across files: "main" gates the service written in a.toml.
    EXPECT_EQ(c.virtual_servers[0].vrrp, "main");
}

TEST_F(IncludeTest, MainFileEntriesComeFirstWhereverIncludeIsWritten) {
    write("frag.toml", R"([[vrrp]]
name = "frag"
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]
)");
    const auto result =
        load_main(std::string(k_main_instance) + "\n[global]\nrouter_id = \"x\"\n" +
                  "[[vrrp]]\nname = \"second\"\ninterface = \"eth1\"\nvrid = 3\nvips = "
                  "[\"10.0.0.3/24\"]\n");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(names_of(*result.config), (std::vector<std::string>{"main", "second"}));

    const auto with_include =
        load_main("include = [\"frag.toml\"]\n" + std::string(k_main_instance) +
                  "[[vrrp]]\nname = \"second\"\ninterface = \"eth1\"\nvrid = 3\nvips = "
                  "[\"10.0.0.3/24\"]\n");
    ASSERT_TRUE(with_include.ok()) << all_errors(with_include);
    EXPECT_EQ(names_of(*with_include.config), (std::vector<std::string>{"main", "second", "frag"}));
}

TEST_F(IncludeTest, APatternMatchingNothingIsFine) {
    // No conf.d at all, then an empty one.
    auto result = load_main("include = [\"conf.d/*.toml\"]\n" + std::string(k_main_instance));
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->files, std::vector<std::string>{path("main.toml")});
    fs::create_directories(dir_ / "conf.d");
    result = load_main("include = [\"conf.d/*.toml\", \"conf.d/web-?.toml\"]\n" +
                       std::string(k_main_instance));
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->files.size(), 1u);
}

TEST_F(IncludeTest, EmptyIncludeListIsFine) {
    const auto result = load_main("include = []\n" + std::string(k_main_instance));
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->files, std::vector<std::string>{path("main.toml")});
}

TEST_F(IncludeTest, AMissingLiteralPathIsAnErrorAtItsEntry) {
    const auto result = load_main("include = [\n  \"conf.d/*.toml\",\n  \"missing.toml\",\n]\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              path("main.toml") + ":3:3: include[1]: cannot include " + path("missing.toml") +
                  ": no such file (only a pattern with wildcards such as \"conf.d/*.toml\" may "
                  "match nothing)");
}

TEST_F(IncludeTest, ALiteralDirectoryIsAnErrorWithAHint) {
    fs::create_directories(dir_ / "conf.d");
    const auto result = load_main("include = [\"conf.d\"]\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              path("main.toml") + ":1:12: include[0]: cannot include " + path("conf.d") +
                  ": it is a directory; write \"" + path("conf.d/*.toml") +
                  "\" to include the files in it");
}

TEST_F(IncludeTest, DirectoriesAWildcardMatchesAreSkipped) {
    fs::create_directories(dir_ / "conf.d/old");
    write("conf.d/web", "[[virtual_server]]\naddress = \"10.0.0.9\"\nport = 80\n");
    const auto result = load_main("include = [\"conf.d/*\"]\n");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->files,
              (std::vector<std::string>{path("main.toml"), path("conf.d/web")}));
}

TEST_F(IncludeTest, AFileMatchedTwiceAndTheMainFileLoadOnce) {
    write("a.toml", R"([[vrrp]]
name = "a"
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]
)");
    // "*.toml" also matches main.toml itself; "./a.toml" is a.toml spelt differently.
    const auto result = load_main("include = [\"*.toml\", \"./a.toml\", \"" + path("a.toml") +
                                  "\"]\n" + std::string(k_main_instance));
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(names_of(*result.config), (std::vector<std::string>{"main", "a"}));
    EXPECT_EQ(result.config->files, (std::vector<std::string>{path("main.toml"), path("a.toml")}));
}

TEST_F(IncludeTest, RelativePatternsStartAtTheMainFilesDirectory) {
    write("etc/conf.d/web.toml", "[[virtual_server]]\naddress = \"10.0.0.9\"\nport = 80\n");
    const auto main = write("etc/vipd.toml", "include = [\"conf.d/*.toml\"]\n");
    // Whatever the working directory is: the test's own is elsewhere.
    ASSERT_NE(fs::current_path(), dir_ / "etc");
    const auto result = load_file(main, "host");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->files, (std::vector<std::string>{main, path("etc/conf.d/web.toml")}));
    EXPECT_EQ(result.config->virtual_servers.size(), 1u);
}

TEST_F(IncludeTest, AbsolutePatternsAreTakenAsWritten) {
    write("elsewhere/web.toml", "[[virtual_server]]\naddress = \"10.0.0.9\"\nport = 80\n");
    const auto result = load_main("include = [\"" + path("elsewhere") + "/*.toml\"]\n");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->files.at(1), path("elsewhere/web.toml"));
}

TEST_F(IncludeTest, ErrorsInAFragmentNameItsFileAndLine) {
    const auto web = write("conf.d/web.toml", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 300
vips = ["10.0.0.2/24"]
)");
    const auto result = load_main("include = [\"conf.d/*.toml\"]\n[global]\nrouter_id = 5\n");
    ASSERT_EQ(result.errors.size(), 2u) << all_errors(result);
    // Main file first, then the fragments in merge order.
    EXPECT_EQ(result.errors[0].position, (source_position{path("main.toml"), 3, 13}));
    EXPECT_EQ(result.errors[1].to_string(),
              web + ":4:8: vrrp[0].vrid: vrid must be 1..255, got 300");
}

TEST_F(IncludeTest, MainFileSectionsInAFragmentAreRefused) {
    const auto web = write("conf.d/web.toml", R"(include = ["more/*.toml"]
[global]
router_id = "x"

[ipvs]
mode = "always"
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]
)");
    const auto result = load_main("include = [\"conf.d/*.toml\"]\n");
    ASSERT_EQ(result.errors.size(), 3u) << all_errors(result);
    const std::string main = path("main.toml");
    EXPECT_EQ(result.errors[0].to_string(),
              web + ":1:1: include: include belongs in the main file (" + main +
                  "): fragments cannot include other files");
    EXPECT_EQ(result.errors[1].to_string(),
              web + ":2:2: global: [global] belongs in the main file (" + main +
                  "): a fragment holds only [[vrrp]] and [[virtual_server]] tables");
    EXPECT_EQ(result.errors[2].to_string(),
              web + ":5:2: ipvs: [ipvs] belongs in the main file (" + main +
                  "): a fragment holds only [[vrrp]] and [[virtual_server]] tables");
}

TEST_F(IncludeTest, UnknownKeysInAFragmentGetASuggestion) {
    const auto web = write("web.toml", "[[virtual_servers]]\naddress = \"10.0.0.9\"\n");
    const auto result = load_main("include = [\"web.toml\"]\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              web +
                  ":1:3: virtual_servers: unknown key \"virtual_servers\" (did you mean "
                  "\"virtual_server\"?); a fragment holds only [[vrrp]] and [[virtual_server]] "
                  "tables");
}

TEST_F(IncludeTest, IncludeMustBeAnArrayOfStrings) {
    auto result = load_main("include = \"conf.d/*.toml\"\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              path("main.toml") +
                  ":1:11: include: include must be an array of paths or glob patterns such as "
                  "[\"/etc/vipd/conf.d/*.toml\"], got a string \"conf.d/*.toml\"");
    result = load_main("include = [5, \"\"]\n");
    ASSERT_EQ(result.errors.size(), 2u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              path("main.toml") +
                  ":1:12: include[0]: each include entry must be a path or glob pattern such as "
                  "\"/etc/vipd/conf.d/*.toml\", got an integer 5");
    EXPECT_EQ(result.errors[1].key, "include[1]");
    EXPECT_TRUE(result.errors[1].message.ends_with("got \"\"")) << result.errors[1].message;
    result = load_main("include = [[\"a.toml\"]]\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_TRUE(result.errors[0].message.ends_with("got an array")) << result.errors[0].message;
    result = load_main("[include]\npath = \"a.toml\"\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_TRUE(result.errors[0].message.ends_with("got a table")) << result.errors[0].message;
    // `include` is a top-level key: inside [global] it is unknown.
    result = load_main("[global]\ninclude = [\"a.toml\"]\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              path("main.toml") +
                  ":2:1: global.include: unknown key \"include\" (include is a top-level key: "
                  "write it above the first [table] of the file); allowed keys: router_id, "
                  "static_vips, control_socket, metrics_listen, state_file, vip_resync_interval, "
                  "track_interval, notify_fifo");
}

TEST_F(IncludeTest, DuplicateVridAcrossFilesNamesBothPlaces) {
    const auto web = write("conf.d/web.toml", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.2/24"]
)");
    const auto result =
        load_main("include = [\"conf.d/*.toml\"]\n\n" + std::string(k_main_instance));
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              web + ":4:8: vrrp[0].vrid: vrid 1 is already used on eth1 for IPv4 by vrrp[0] " +
                  "\"main\" (" + path("main.toml") +
                  ":3); each virtual router on a link needs its own vrid");
}

TEST_F(IncludeTest, DuplicateNamesVipsAndServicesAcrossFragments) {
    write("conf.d/a.toml", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]

[[virtual_server]]
name = "svc"
address = "10.0.0.2"
port = 80
)");
    const auto b = write("conf.d/b.toml", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 3
vips = ["10.0.0.2/24"]

[[virtual_server]]
name = "svc"
address = "10.0.0.2"
port = 80
)");
    const auto result = load_main("include = [\"conf.d/*.toml\"]\n");
    const std::string a = path("conf.d/a.toml");
    ASSERT_EQ(result.errors.size(), 4u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              b + ":2:8: vrrp[0].name: name \"web\" is already used by vrrp[0] \"web\" (" + a +
                  ":1); instance names must be unique");
    EXPECT_EQ(result.errors[1].to_string(),
              b + ":5:9: vrrp[0].vips[0]: 10.0.0.2 is already a VIP of vrrp[0] \"web\" (" + a +
                  ":1); an address can belong to one instance only");
    EXPECT_EQ(result.errors[2].to_string(),
              b +
                  ":8:8: virtual_server[0].name: name \"svc\" is already used by "
                  "virtual_server[0] \"svc\" (" +
                  a + ":7); virtual server names must be unique");
    EXPECT_EQ(result.errors[3].to_string(),
              b +
                  ":9:11: virtual_server[0].address: tcp 10.0.0.2:80 is already virtual_server[0] "
                  "\"svc\" (" +
                  a + ":7); merge the two, each service can be defined once");
}

TEST_F(IncludeTest, TrackingAndGatingResolveAcrossFiles) {
    write("conf.d/svc.toml", R"([[virtual_server]]
name = "svc"
address = "10.0.0.1"
port = 80
vrrp = "main"
)");
    auto result = load_main("include = [\"conf.d/*.toml\"]\n" + std::string(k_main_instance) +
                            "track_virtual_servers = [\"svc\"]\n");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->vrrp.at(0).track_virtual_servers.at(0).name, "svc");
    EXPECT_EQ(result.config->virtual_servers.at(0).vrrp, "main");

    // A misspelt name: the error is in the file that wrote it.
    const auto svc = write("conf.d/svc.toml", R"([[virtual_server]]
name = "svc"
address = "10.0.0.1"
port = 80
vrrp = "mian"
)");
    result = load_main("include = [\"conf.d/*.toml\"]\n" + std::string(k_main_instance) +
                       "track_virtual_servers = [\"scv\"]\n");
    ASSERT_EQ(result.errors.size(), 2u) << all_errors(result);
    EXPECT_EQ(result.errors[0].position.file, path("main.toml"));
    EXPECT_EQ(result.errors[0].key, "vrrp[0].track_virtual_servers[0]");
    EXPECT_EQ(result.errors[1].position, (source_position{svc, 5, 8}));
    EXPECT_EQ(result.errors[1].key, "virtual_server[0].vrrp");
}

TEST_F(IncludeTest, TheVipOwnerInAnotherFileIsNamedWithItsFile) {
    const auto svc = write("svc.toml", R"([[vrrp]]
name = "other"
interface = "eth1"
vrid = 9
vips = ["10.0.0.9/24"]

[[virtual_server]]
address = "10.0.0.1"
port = 80
vrrp = "other"
)");
    const auto result = load_main("include = [\"svc.toml\"]\n" + std::string(k_main_instance));
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              svc + ":10:8: virtual_server[0].vrrp: 10.0.0.1 is a VIP of vrrp[0] \"main\" (" +
                  path("main.toml") +
                  ":2), so that instance gates this service; remove vrrp or name \"main\"");
}

TEST_F(IncludeTest, ASyntaxErrorInAFragmentLeavesTheOtherFilesChecked) {
    const auto a = write("conf.d/a.toml", "[[vrrp]]\nname = \"a\"\nvrid = = 2\n");
    const auto b = write("conf.d/b.toml", R"([[vrrp]]
name = "main"
interface = "eth1"
vrid = 0
vips = ["10.0.0.1/24"]
)");
    const auto result = load_main("include = [\"conf.d/*.toml\"]\n" + std::string(k_main_instance));
    // a.toml's syntax error and b.toml's own vrid error; the duplicate name and VIP across files
    // are not judged while a.toml is unread.
    ASSERT_EQ(result.errors.size(), 2u) << all_errors(result);
    EXPECT_EQ(result.errors[0].position.file, a);
    EXPECT_EQ(result.errors[0].position.line, 3u);
    EXPECT_NE(result.errors[0].message.find("TOML syntax error"), std::string::npos);
    EXPECT_EQ(result.errors[1].to_string(), b + ":4:8: vrrp[0].vrid: vrid must be 1..255, got 0");
}

TEST_F(IncludeTest, ASyntaxErrorInTheMainFileReadsNoFragment) {
    write("a.toml", "[[vrrp]]\nvrid = 900\n");
    const auto result = load_main("include = [\"a.toml\"]\nname = = 1\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].position.file, path("main.toml"));
}

TEST_F(IncludeTest, AnUnreadableFragmentIsOneErrorNamingIt) {
    // A dangling symlink: the wildcard matches it, reading it fails (whatever our privileges).
    fs::create_directories(dir_ / "conf.d");
    fs::create_symlink(dir_ / "gone.toml", dir_ / "conf.d/a.toml");
    const auto result = load_main("include = [\"conf.d/*.toml\"]\n");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(), path("conf.d/a.toml") +
                                                ": cannot read this fragment (included by " +
                                                path("main.toml") + "): No such file or directory");
}

TEST(LoadString, IncludeIsRelativeToTheWorkingDirectoryForABareFileName) {
    // load_string("t.toml"): the main file's directory is "", so the pattern is taken as written.
    const auto result = load_string("include = [\"vipd-surely-missing-dir/*.toml\"]\n", "t.toml");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->files, std::vector<std::string>{"t.toml"});
}

}  // namespace
}  // namespace vipd::config
