#include "vipd/daemon/ipvs_driver.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "fakes/fake_ipvs_port.hpp"
#include "support/ipvs_literals.hpp"

namespace vipd::daemon {
namespace {

using ipvs::test::tcp;

ipvs::service two_reals(const char* a, const char* b) {
    ipvs::service svc;
    svc.settings.scheduler = "rr";
    svc.destinations[{*ip_address::parse(a), 80}] = ipvs::destination_settings{};
    svc.destinations[{*ip_address::parse(b), 80}] = ipvs::destination_settings{};
    return svc;
}

/// A whole periodic resync, every slice at once.
void resync(ipvs_driver& driver) {
    driver.begin_resync();
    while (driver.resync_step()) {
    }
}

/// Two instances, each gating one service; a foreign service that someone else configured.
class IpvsDriverTest : public ::testing::Test {
  protected:
    IpvsDriverTest() { port_.kernel[foreign_] = two_reals("10.0.9.1", "10.0.9.2"); }

    std::unique_ptr<ipvs_driver> make() {
        auto desired = [this](const std::set<std::string>& masters) {
            ipvs::table t;
            if (masters.count("web") > 0) {
                t[web_] = two_reals("10.0.0.40", "10.0.0.50");
            }
            if (masters.count("db") > 0 && db_configured_) {
                t[db_] = two_reals("10.0.1.40", "10.0.1.50");
            }
            return t;
        };
        return std::make_unique<ipvs_driver>(port_, desired, std::set<ipvs::service_key>{web_, db_},
                                             logs_);
    }

    bool db_configured_ = true;  // a reload can drop it
    ipvs::service_key web_ = tcp("10.0.0.210", 80);
    ipvs::service_key db_ = tcp("10.0.0.211", 5432);
    ipvs::service_key foreign_ = tcp("10.0.0.99", 80);
    fakes::fake_ipvs_port port_;
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
    std::ostringstream log_text_;
};

TEST_F(IpvsDriverTest, ServicesFollowMastershipAndForeignOnesAreLeftAlone) {
    auto driver = make();
    EXPECT_TRUE(driver->active());
    driver->entering_master("web");
    EXPECT_EQ(port_.kernel.count(web_), 1u);
    EXPECT_EQ(port_.kernel.at(web_).destinations.size(), 2u);
    EXPECT_EQ(port_.kernel.count(db_), 0u);
    driver->entering_master("db");
    EXPECT_EQ(port_.kernel.count(db_), 1u);
    driver->left_master("web");
    EXPECT_EQ(port_.kernel.count(web_), 0u);
    EXPECT_EQ(port_.kernel.count(db_), 1u);
    EXPECT_EQ(port_.kernel.at(foreign_), two_reals("10.0.9.1", "10.0.9.2"));
}

TEST_F(IpvsDriverTest, ARoleChangeThatWantsTheSameTableDoesNotReadTheKernelBack) {
    auto driver = make();
    driver->start();
    driver->entering_master("web");
    const auto dumps = port_.dump_calls;
    driver->entering_master("cache");  // gates nothing: the wanted table is unchanged
    driver->left_master("cache");
    EXPECT_EQ(port_.dump_calls, dumps);
    port_.kernel.erase(web_);  // drift is the resync's business
    resync(*driver);
    EXPECT_EQ(port_.kernel.count(web_), 1u);
    driver->left_master("web");  // a real change is applied at once
    EXPECT_EQ(port_.kernel.count(web_), 0u);
}

TEST_F(IpvsDriverTest, ResyncRepairsAFlushAndADeletedRealWithMinimalOperations) {
    auto driver = make();
    driver->entering_master("web");
    port_.kernel.clear();  // ipvsadm -C
    resync(*driver);
    EXPECT_EQ(port_.kernel.at(web_), two_reals("10.0.0.40", "10.0.0.50"));

    port_.kernel.at(web_).destinations.erase({*ip_address::parse("10.0.0.50"), 80});
    const auto before = port_.applied.size();
    resync(*driver);
    ASSERT_EQ(port_.applied.size(), before + 1);  // exactly the missing real, nothing flushed
    EXPECT_TRUE(std::holds_alternative<ipvs::add_destination>(port_.applied.back()));
    EXPECT_EQ(port_.kernel.at(web_), two_reals("10.0.0.40", "10.0.0.50"));

    const auto settled = port_.applied.size();
    resync(*driver);  // converged: a resync changes nothing
    EXPECT_EQ(port_.applied.size(), settled);
}

TEST_F(IpvsDriverTest, StartRemovesWhatAnEarlierRunRecordedButTheConfigurationDropped) {
    const auto dropped = tcp("10.0.0.212", 80);  // in the crashed run's configuration only
    port_.kernel[dropped] = two_reals("10.0.2.40", "10.0.2.50");
    port_.kernel[web_] = two_reals("10.0.0.40", "10.0.0.50");  // a crashed master's, too
    auto driver = make();
    driver->adopt_record({dropped, tcp("10.0.0.213", 80)});  // the second one is gone already
    driver->start();
    EXPECT_EQ(port_.kernel.count(dropped), 0u);
    EXPECT_TRUE(driver->unremoved().empty()) << "removed, or found gone";
    EXPECT_EQ(port_.kernel.count(web_), 0u) << "managed, not MASTER: out as before";
    EXPECT_EQ(port_.kernel.count(foreign_), 1u) << "never recorded: never ours";
    port_.kernel[dropped] = two_reals("10.0.2.40", "10.0.2.50");
    resync(*driver);
    EXPECT_EQ(port_.kernel.count(dropped), 1u) << "after start, a leftover is foreign again";
}

/// Makes every delete_service of `key` fail (EPERM) while `refuse` is true.
void refuse_deleting(fakes::fake_ipvs_port& port, const ipvs::service_key& key,
                     const bool& refuse) {
    port.inject = [key, &refuse](const ipvs::operation& op) {
        const auto* remove = std::get_if<ipvs::delete_service>(&op);
        return refuse && remove != nullptr && remove->key == key
                   ? std::make_error_code(std::errc::operation_not_permitted)
                   : std::error_code();
    };
}

/// A start after a crash whose record names `dropped_`, still in the kernel and impossible to
/// delete while `refuse_` holds.
class LeftoverTest : public IpvsDriverTest {
  protected:
    std::unique_ptr<ipvs_driver> start_after_crash(const std::set<ipvs::service_key>& recorded) {
        port_.kernel[dropped_] = two_reals("10.0.2.40", "10.0.2.50");
        refuse_deleting(port_, dropped_, refuse_);
        auto driver = make();
        driver->adopt_record(recorded);
        driver->start();
        return driver;
    }
    ipvs::service_key dropped_ = tcp("10.0.0.212", 80);
    bool refuse_ = true;
};

TEST_F(LeftoverTest, ALeftoverItCannotRemoveIsRetriedByEachResyncUntilItGoes) {
    auto driver = start_after_crash({dropped_, web_});
    EXPECT_EQ(driver->unremoved(), std::set<ipvs::service_key>{dropped_}) << "web is configured";
    resync(*driver);
    EXPECT_EQ(port_.kernel.count(dropped_), 1u);
    EXPECT_EQ(driver->unremoved(), std::set<ipvs::service_key>{dropped_});
    refuse_ = false;
    resync(*driver);
    EXPECT_EQ(port_.kernel.count(dropped_), 0u);
    EXPECT_TRUE(driver->unremoved().empty());
    port_.kernel[dropped_] = two_reals("10.0.2.40", "10.0.2.50");
    resync(*driver);
    EXPECT_EQ(port_.kernel.count(dropped_), 1u) << "once removed, foreign again";
}

TEST_F(LeftoverTest, ALeftoverSomeoneElseRemovedIsForgottenByTheNextResync) {
    auto driver = start_after_crash({dropped_});
    port_.kernel.erase(dropped_);  // ipvsadm -D
    resync(*driver);
    EXPECT_TRUE(driver->unremoved().empty());
}

TEST_F(IpvsDriverTest, ServicesARetireOrAWithdrawCannotRemoveStayUnremoved) {
    bool refuse = true;
    refuse_deleting(port_, db_, refuse);
    auto driver = make();
    driver->entering_master("web");
    driver->entering_master("db");
    db_configured_ = false;
    driver->reconfigure({web_}, std::nullopt);
    driver->retire_removed();
    EXPECT_EQ(driver->unremoved(), std::set<ipvs::service_key>{db_});
    driver->withdraw();
    EXPECT_EQ(port_.kernel.count(web_), 0u);
    EXPECT_EQ(driver->unremoved(), std::set<ipvs::service_key>{db_}) << "web went, db did not";
}

TEST_F(IpvsDriverTest, WithoutIpvsAnEarlierRunsServicesAreNotThere) {
    port_.has_ipvs = false;
    ipvs_driver driver(
        port_, [](const std::set<std::string>&) { return ipvs::table{}; }, {}, logs_);
    driver.adopt_record({web_});
    EXPECT_TRUE(driver.unremoved().empty());
}

TEST_F(IpvsDriverTest, WithdrawRemovesEveryManagedServiceOnly) {
    auto driver = make();
    driver->entering_master("web");
    driver->entering_master("db");
    driver->withdraw();
    EXPECT_EQ(port_.kernel.size(), 1u);
    EXPECT_EQ(port_.kernel.count(foreign_), 1u);
}

TEST_F(IpvsDriverTest, AFailedOperationIsCountedAndTheRestStillApplied) {
    auto driver = make();
    port_.inject = [](const ipvs::operation& op) -> std::error_code {
        if (const auto* add = std::get_if<ipvs::add_destination>(&op);
            add != nullptr && add->destination.address == *ip_address::parse("10.0.0.40")) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
        return {};
    };
    driver->entering_master("web");
    EXPECT_EQ(driver->stats().errors, 1u);
    EXPECT_EQ(port_.kernel.at(web_).destinations.size(), 1u);
    port_.inject = nullptr;
    resync(*driver);  // the next resync heals it
    EXPECT_EQ(port_.kernel.at(web_).destinations.size(), 2u);
}

TEST_F(IpvsDriverTest, APersistentFailureIsLoggedOnceNotOnEveryResync) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(log_text_);
    logs_.ipvs().sinks().push_back(sink);
    logs_.ipvs().set_level(spdlog::level::info);
    port_.schedulers.erase("rr");  // like "twos" on a 6.1 kernel: the add always fails
    auto driver = make();
    driver->entering_master("web");
    resync(*driver);
    resync(*driver);
    const auto text = log_text_.str();
    std::size_t errors = 0;
    for (auto at = text.find("add tcp 10.0.0.210:80 rr failed"); at != std::string::npos;
         at = text.find("add tcp 10.0.0.210:80 rr failed", at + 1)) {
        ++errors;
    }
    EXPECT_EQ(errors, 1u) << text;
    EXPECT_EQ(driver->stats().errors, 9u);  // still counted: 3 converges x (service + 2 reals)
}

TEST_F(IpvsDriverTest, WithoutIpvsItStaysQuietAndTouchesNothing) {
    port_.has_ipvs = false;
    auto driver = make();
    EXPECT_FALSE(driver->active());
    driver->entering_master("web");
    resync(*driver);
    EXPECT_EQ(port_.dump_calls, 0);
    EXPECT_EQ(port_.apply_calls, 0);
}

/// `[ipvs.sync]` on eth1 with sync id 7, "web" gating; the ipvs log kept for reading.
class SyncDaemonTest : public IpvsDriverTest {
  protected:
    using role = ipvs::sync_role;
    using daemon = fakes::fake_ipvs_port::sync_daemon;

    SyncDaemonTest() {
        logs_.ipvs().sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_st>(log_text_));
        logs_.ipvs().set_level(spdlog::level::info);
    }

    std::unique_ptr<ipvs_driver> make_synced(std::optional<sync_plan> plan = configured_) {
        auto desired = [](const std::set<std::string>&) { return ipvs::table{}; };
        return std::make_unique<ipvs_driver>(port_, desired, std::set<ipvs::service_key>{web_},
                                             logs_, std::move(plan));
    }
    std::string errors_logged() const {
        std::string lines;
        std::istringstream text(log_text_.str());
        for (std::string line; std::getline(text, line);) {
            if (line.find("[error]") != std::string::npos) {
                lines += line + "\n";
            }
        }
        return lines;
    }

    static inline const sync_plan configured_{"eth1", 7, {"web"}};
    const daemon wanted_{"eth1", 7};
};

TEST_F(SyncDaemonTest, BackupAlwaysMasterWhileMasterOfAGatingInstance) {
    auto driver = make_synced();
    driver->start();
    ASSERT_EQ(port_.sync_daemons.count(role::backup), 1u);
    EXPECT_EQ(port_.sync_daemons.at(role::backup), wanted_);
    EXPECT_EQ(port_.sync_daemons.count(role::master), 0u);
    driver->entering_master("other");  // gates no service: no master sync
    EXPECT_EQ(port_.sync_daemons.count(role::master), 0u);
    driver->entering_master("web");
    EXPECT_EQ(port_.sync_daemons.count(role::master), 1u);
    driver->left_master("web");
    EXPECT_EQ(port_.sync_daemons.count(role::master), 0u);
    EXPECT_EQ(port_.sync_daemons.count(role::backup), 1u);  // both at once is fine: active-active
    driver->entering_master("web");
    driver->withdraw();
    EXPECT_TRUE(port_.sync_daemons.empty());
    EXPECT_EQ(errors_logged(), "");
}

TEST_F(SyncDaemonTest, ARestartAsBackupStopsTheMasterDaemonACrashLeftAndKeepsTheBackup) {
    // The previous vipd was MASTER when it was SIGKILLed: both daemons outlived it.
    port_.sync_daemons = {{role::master, wanted_}, {role::backup, wanted_}};
    auto driver = make_synced();
    driver->start();
    EXPECT_EQ(port_.sync_daemons.count(role::master), 0u)
        << "a BACKUP director must not go on sending sync messages";
    ASSERT_EQ(port_.sync_daemons.count(role::backup), 1u);
    EXPECT_EQ(port_.sync_daemons.at(role::backup), wanted_);
    EXPECT_EQ(driver->stats().errors, 0u);
    EXPECT_EQ(errors_logged(), "");
    driver->entering_master("web");  // and the master daemon comes back with mastership
    EXPECT_EQ(port_.sync_daemons.count(role::master), 1u);
    EXPECT_EQ(driver->stats().errors, 0u);
}

TEST_F(SyncDaemonTest, ADaemonRunningWithOtherSettingsIsRestartedWithTheConfiguredOnes) {
    // The configuration changed across the crash: another sync id.
    port_.sync_daemons = {{role::backup, daemon{"eth1", 3}}};
    auto driver = make_synced();
    driver->start();
    EXPECT_EQ(port_.sync_daemons, (std::map<role, daemon>{{role::backup, wanted_}}));
    // Another interface, found when the master daemon is wanted.
    port_.sync_daemons[role::master] = daemon{"eth0", 7};
    driver->entering_master("web");
    EXPECT_EQ(port_.sync_daemons,
              (std::map<role, daemon>{{role::master, wanted_}, {role::backup, wanted_}}));
    EXPECT_EQ(driver->stats().errors, 0u);
    EXPECT_EQ(errors_logged(), "");
}

TEST_F(SyncDaemonTest, EachResyncRepairsTheDaemons) {
    auto driver = make_synced();
    driver->start();
    driver->entering_master("web");
    port_.sync_daemons[role::master] = daemon{"eth1", 9};  // someone's ipvsadm --start-daemon
    port_.sync_daemons.erase(role::backup);                // and --stop-daemon
    resync(*driver);
    EXPECT_EQ(port_.sync_daemons,
              (std::map<role, daemon>{{role::master, wanted_}, {role::backup, wanted_}}));
    driver->left_master("web");
    port_.sync_daemons[role::master] = wanted_;
    resync(*driver);
    EXPECT_EQ(port_.sync_daemons.count(role::master), 0u) << "not MASTER: no master daemon";
}

TEST_F(SyncDaemonTest, StartingADaemonThatAlreadyRunsAsConfiguredIsNoError) {
    // Someone starts the backup daemon, as configured, just before vipd does: EEXIST.
    port_.inject_sync = [this](fakes::fake_ipvs_port::sync_call call) {
        if (call == fakes::fake_ipvs_port::sync_call::start) {
            port_.sync_daemons.emplace(role::backup, wanted_);
        }
        return std::error_code{};
    };
    auto driver = make_synced();
    driver->start();
    EXPECT_EQ(port_.sync_daemons.at(role::backup), wanted_);
    EXPECT_EQ(driver->stats().errors, 0u);
    EXPECT_EQ(errors_logged(), "");
}

TEST_F(SyncDaemonTest, AFailureAtAnyStepIsLoggedAndTheNextResyncTriesAgain) {
    using call = fakes::fake_ipvs_port::sync_call;
    auto fail = [this](call failing) {
        port_.inject_sync = [failing](call c) {
            return c == failing ? std::make_error_code(std::errc::not_enough_memory)
                                : std::error_code{};
        };
    };
    port_.sync_daemons = {{role::backup, daemon{"eth1", 3}}};
    fail(call::list);
    auto driver = make_synced();
    driver->start();
    EXPECT_NE(errors_logged().find("startup: cannot read the connection sync daemons"),
              std::string::npos)
        << errors_logged();
    fail(call::stop);
    resync(*driver);
    EXPECT_EQ(port_.sync_daemons.at(role::backup), (daemon{"eth1", 3}))
        << "one daemon per role: no start while the wrong one runs";
    EXPECT_NE(errors_logged().find("cannot stop the backup connection sync daemon (interface "
                                   "eth1, sync id 3)"),
              std::string::npos);
    fail(call::start);
    resync(*driver);
    resync(*driver);
    EXPECT_TRUE(port_.sync_daemons.empty());
    const auto errors = errors_logged();
    const std::string start_failed =
        "cannot start the backup connection sync daemon (interface eth1, sync id 7)";
    const auto first = errors.find(start_failed);
    EXPECT_NE(first, std::string::npos) << errors;
    EXPECT_EQ(errors.find(start_failed, first + 1), std::string::npos) << "logged once";
    EXPECT_EQ(driver->stats().errors, 4u) << "but counted each time";
    port_.inject_sync = nullptr;
    resync(*driver);
    EXPECT_EQ(port_.sync_daemons, (std::map<role, daemon>{{role::backup, wanted_}}));
}

TEST_F(SyncDaemonTest, AReloadMovesTheDaemonsOrStopsThemWhenSyncIsDropped) {
    auto driver = make_synced();
    driver->start();
    driver->entering_master("web");
    driver->reconfigure({web_}, sync_plan{"eth2", 8, {"web"}});
    EXPECT_EQ(port_.sync_daemons, (std::map<role, daemon>{{role::master, daemon{"eth2", 8}},
                                                          {role::backup, daemon{"eth2", 8}}}));
    driver->reconfigure({web_}, std::nullopt);
    EXPECT_TRUE(port_.sync_daemons.empty());
    port_.sync_daemons[role::backup] = daemon{"eth0", 1};  // not vipd's business any more
    resync(*driver);
    driver->withdraw();
    EXPECT_EQ(port_.sync_daemons.size(), 1u);
    EXPECT_EQ(errors_logged(), "");
}

TEST_F(SyncDaemonTest, WithoutIpvsSyncTheDaemonsAreLeftAlone) {
    port_.sync_daemons = {{role::master, daemon{"eth0", 1}}, {role::backup, daemon{"eth0", 1}}};
    const auto before = port_.sync_daemons;
    auto driver = make_synced(std::nullopt);
    driver->start();
    resync(*driver);
    driver->entering_master("web");
    driver->left_master("web");
    driver->withdraw();
    EXPECT_EQ(port_.sync_daemons, before);
}

TEST_F(IpvsDriverTest, AReloadAddsNewServicesFirstAndRetiresDroppedOnesAfter) {
    auto driver = make();
    driver->entering_master("web");
    driver->entering_master("db");
    ASSERT_EQ(port_.kernel.count(db_), 1u);
    // The new configuration drops db and keeps web; foreign services stay foreign.
    db_configured_ = false;
    driver->reconfigure({web_}, std::nullopt);
    EXPECT_EQ(port_.kernel.count(db_), 1u) << "dropped services wait for their VIPs to go";
    driver->retire_removed();
    EXPECT_EQ(port_.kernel.count(db_), 0u);
    EXPECT_EQ(port_.kernel.count(web_), 1u);
    EXPECT_EQ(port_.kernel.count(foreign_), 1u);
    // Not managed any more: a later resync leaves it alone when someone adds it back.
    port_.kernel[db_] = two_reals("10.0.1.40", "10.0.1.50");
    resync(*driver);
    EXPECT_EQ(port_.kernel.count(db_), 1u);
}

TEST_F(IpvsDriverTest, AReloadThatBringsTheFirstServicesProbesTheKernel) {
    ipvs_driver driver(
        port_, [](const std::set<std::string>&) { return ipvs::table{}; }, {}, logs_);
    EXPECT_FALSE(driver.active()) << "nothing configured: IPVS not asked";
    driver.reconfigure({web_}, std::nullopt);
    EXPECT_TRUE(driver.active());
}

/// A big table: `services` services of ten reals each, all gated by "web".
class BigTableTest : public ::testing::Test {
  protected:
    static constexpr int services = 100;

    std::unique_ptr<ipvs_driver> make() {
        std::set<ipvs::service_key> managed;
        for (int i = 0; i < services; ++i) {
            managed.insert(key(i));
        }
        auto desired = [this](const std::set<std::string>& masters) {
            ipvs::table t;
            if (masters.count("web") == 0) {
                return t;
            }
            for (int i = 0; i < services; ++i) {
                auto& svc = t[key(i)];
                svc.settings.scheduler = "rr";
                for (int r = 0; r < 10; ++r) {
                    const auto real = "10.1." + std::to_string(i) + "." + std::to_string(r + 1);
                    svc.destinations[{*ip_address::parse(real), 80}] = {.weight =
                                                                            i == heavy_ ? 5U : 1U};
                }
            }
            return t;
        };
        return std::make_unique<ipvs_driver>(port_, desired, managed, logs_);
    }

    static ipvs::service_key key(int i) {
        return ipvs::endpoint_key{ipvs::protocol::tcp,
                                  *ip_address::parse("10.0.0." + std::to_string(i + 1)), 80};
    }
    /// Becomes MASTER of "web" and runs every role slice, as the shell's loop would.
    static void enter_fully(ipvs_driver& driver) {
        if (!driver.entering_master("web")) {
            while (driver.role_step()) {
            }
        }
    }

    int heavy_ = -1;  // the service whose reals get weight 5 (a health or config change)
    fakes::fake_ipvs_port port_;
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
};

TEST_F(BigTableTest, ARoleChangeGoesInSlicesAndSaysWhenItIsDone) {
    auto driver = make();
    const auto dumps = port_.dump_calls;
    EXPECT_FALSE(driver->entering_master("web")) << "100 x 10 do not fit one slice";
    EXPECT_LE(port_.kernel.size(), 26u) << "only the first slice went in at once";
    int slices = 1;  // the one entering_master ran
    for (bool more = true; more; ++slices) {
        more = driver->role_step();
        EXPECT_LE(port_.keys_read, static_cast<std::size_t>(26 * (slices + 1)));
    }
    EXPECT_EQ(slices, 4);
    EXPECT_EQ(port_.kernel.size(), 100u);
    EXPECT_EQ(port_.dump_calls, dumps) << "never the whole table at once";
    EXPECT_FALSE(driver->role_pending());

    driver->left_master("web");
    EXPECT_TRUE(driver->role_pending());
    while (driver->role_step()) {
    }
    EXPECT_TRUE(port_.kernel.empty());
}

TEST_F(BigTableTest, LeavingBeforeTheTableIsInTakesOutWhatWentIn) {
    auto driver = make();
    ASSERT_FALSE(driver->entering_master("web"));
    driver->left_master("web");
    while (driver->role_step()) {
    }
    EXPECT_TRUE(port_.kernel.empty());
}

TEST_F(BigTableTest, AResyncReadsTheTableInSlicesNeverAllAtOnce) {
    auto driver = make();
    enter_fully(*driver);
    ASSERT_EQ(port_.kernel.size(), 100u);
    port_.keys_read = 0;
    port_.kernel.clear();  // ipvsadm -C
    const auto dumps = port_.dump_calls;
    driver->begin_resync();
    EXPECT_EQ(port_.list_calls, 1);
    int slices = 0;
    std::size_t read = port_.keys_read;
    bool more = true;
    while (more) {
        more = driver->resync_step();
        ++slices;
        // 26 services of ten reals reach 256 destinations: a slice stops there.
        EXPECT_LE(port_.keys_read - read, 26u);
        read = port_.keys_read;
    }
    EXPECT_EQ(slices, 4);
    EXPECT_EQ(port_.keys_read - 0, 100u);
    EXPECT_EQ(port_.dump_calls, dumps) << "no whole-table dump during a resync";
    EXPECT_EQ(port_.kernel.size(), 100u);
    EXPECT_EQ(port_.kernel.at(key(99)).destinations.size(), 10u);
}

TEST_F(BigTableTest, AChangeBetweenSlicesIsNotUndoneByTheRestOfTheResync) {
    auto driver = make();
    enter_fully(*driver);
    driver->begin_resync();
    ASSERT_TRUE(driver->resync_step());
    heavy_ = 90;  // a later slice's service changes (health, quorum) while the resync runs
    const auto read = port_.keys_read;
    driver->health_changed();
    EXPECT_EQ(port_.keys_read - read, 1u) << "a health change reads back only its service";
    while (driver->resync_step()) {
    }
    EXPECT_EQ(port_.kernel.at(key(90)).destinations.begin()->second.weight, 5u);
    driver->left_master("web");  // a role change gating everything goes out in slices too
    while (driver->role_step()) {
    }
    EXPECT_TRUE(port_.kernel.empty());
    EXPECT_FALSE(driver->resync_pending());
}

TEST_F(BigTableTest, ATickDuringAResyncLetsItFinishInsteadOfStartingOver) {
    auto driver = make();
    enter_fully(*driver);
    port_.keys_read = 0;
    driver->begin_resync();
    ASSERT_TRUE(driver->resync_step());
    port_.kernel.erase(key(99));  // in the last slice, not read yet
    driver->begin_resync();       // the next interval's tick, on a table slower than it
    EXPECT_EQ(port_.list_calls, 1);
    int slices = 1;  // the one before the tick
    for (bool more = true; more; ++slices) {
        more = driver->resync_step();
    }
    EXPECT_EQ(slices, 4);
    EXPECT_EQ(port_.keys_read, 100u) << "every service read once";
    EXPECT_EQ(port_.kernel.count(key(99)), 1u);
}

TEST_F(BigTableTest, AManagedLeftoverTheKernelListsIsRemovedByTheResync) {
    auto driver = make();
    driver->start();                          // BACKUP: nothing wanted
    port_.kernel[key(42)] = ipvs::service{};  // left by a crashed run, or re-added by hand
    port_.kernel[ipvs::endpoint_key{ipvs::protocol::udp, *ip_address::parse("10.9.9.9"), 53}] =
        ipvs::service{};  // not ours
    driver->begin_resync();
    while (driver->resync_step()) {
    }
    EXPECT_EQ(port_.kernel.count(key(42)), 0u);
    EXPECT_EQ(port_.kernel.size(), 1u);
    EXPECT_EQ(port_.keys_read, 1u) << "a BACKUP reads only what the list shows is there";
}

}  // namespace
}  // namespace vipd::daemon
