#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "vipd/metrics/exposition.hpp"

namespace vipd::metrics {
namespace {

constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

TEST(Exposition, GoldenTextWithCountersGaugesEscapesAndSpecialValues) {
    exposition out;
    ASSERT_TRUE(out.family("vipd_vrrp_transitions_total", "State changes of each instance.",
                           metric_type::counter));
    ASSERT_TRUE(out.sample({{"instance", "web"}, {"state", "master"}}, 3));
    ASSERT_TRUE(out.sample({{"instance", "a\\b\"c\nd"}, {"state", "backup"}},
                           std::numeric_limits<std::uint64_t>::max()));
    ASSERT_TRUE(
        out.family("vipd_up", "1 while running.\nA \"quoted\" back\\slash", metric_type::gauge));
    ASSERT_TRUE(out.sample({}, 1));
    ASSERT_TRUE(out.family("vipd_values", "", metric_type::gauge));
    ASSERT_TRUE(out.sample({{"v", "plus"}}, k_inf));
    ASSERT_TRUE(out.sample({{"v", "minus"}}, -k_inf));
    ASSERT_TRUE(out.sample({{"v", "nan"}}, k_nan));
    ASSERT_TRUE(out.sample({{"v", "half"}}, 0.5));
    ASSERT_TRUE(out.sample({{"v", "tenth"}}, 0.1));
    ASSERT_TRUE(out.sample({{"v", "big"}}, 1e21));
    ASSERT_TRUE(out.sample({{"v", "whole"}}, 123456789.0));
    ASSERT_TRUE(out.sample({{"v", "negative"}}, std::int64_t{-42}));
    ASSERT_TRUE(out.sample({{"v", "empty"}, {"w", ""}}, 0.0));
    // Back to the first family: its samples stay together, its HELP and TYPE are not repeated.
    ASSERT_TRUE(out.family("vipd_vrrp_transitions_total", "ignored", metric_type::counter));
    ASSERT_TRUE(out.sample({{"instance", "db"}, {"state", "fault"}}, 0));

    EXPECT_EQ(out.text(),
              "# HELP vipd_vrrp_transitions_total State changes of each instance.\n"
              "# TYPE vipd_vrrp_transitions_total counter\n"
              "vipd_vrrp_transitions_total{instance=\"web\",state=\"master\"} 3\n"
              "vipd_vrrp_transitions_total{instance=\"a\\\\b\\\"c\\nd\",state=\"backup\"} "
              "18446744073709551615\n"
              "vipd_vrrp_transitions_total{instance=\"db\",state=\"fault\"} 0\n"
              "# HELP vipd_up 1 while running.\\nA \"quoted\" back\\\\slash\n"
              "# TYPE vipd_up gauge\n"
              "vipd_up 1\n"
              "# TYPE vipd_values gauge\n"
              "vipd_values{v=\"plus\"} +Inf\n"
              "vipd_values{v=\"minus\"} -Inf\n"
              "vipd_values{v=\"nan\"} NaN\n"
              "vipd_values{v=\"half\"} 0.5\n"
              "vipd_values{v=\"tenth\"} 0.1\n"
              "vipd_values{v=\"big\"} 1e+21\n"
              "vipd_values{v=\"whole\"} 123456789\n"
              "vipd_values{v=\"negative\"} -42\n"
              "vipd_values{v=\"empty\",w=\"\"} 0\n");
}

TEST(Exposition, HistogramBucketsAreCumulativeAndEndInInf) {
    exposition out;
    ASSERT_TRUE(out.family("vipd_loop_lag_seconds", "Lag.", metric_type::histogram));
    const std::vector<double> bounds{0.001, 0.25};
    const std::vector<std::uint64_t> counts{5, 2, 1};
    ASSERT_TRUE(out.histogram({}, {bounds, counts, 1.5}));
    ASSERT_TRUE(out.histogram({{"loop", "b"}}, {bounds, std::vector<std::uint64_t>{0, 0, 0}, 0}));
    EXPECT_EQ(out.text(),
              "# HELP vipd_loop_lag_seconds Lag.\n"
              "# TYPE vipd_loop_lag_seconds histogram\n"
              "vipd_loop_lag_seconds_bucket{le=\"0.001\"} 5\n"
              "vipd_loop_lag_seconds_bucket{le=\"0.25\"} 7\n"
              "vipd_loop_lag_seconds_bucket{le=\"+Inf\"} 8\n"
              "vipd_loop_lag_seconds_sum 1.5\n"
              "vipd_loop_lag_seconds_count 8\n"
              "vipd_loop_lag_seconds_bucket{loop=\"b\",le=\"0.001\"} 0\n"
              "vipd_loop_lag_seconds_bucket{loop=\"b\",le=\"0.25\"} 0\n"
              "vipd_loop_lag_seconds_bucket{loop=\"b\",le=\"+Inf\"} 0\n"
              "vipd_loop_lag_seconds_sum{loop=\"b\"} 0\n"
              "vipd_loop_lag_seconds_count{loop=\"b\"} 0\n");
}

TEST(Exposition, AHistogramNeedsAHistogramFamilyMatchingCountsAndNoLeLabel) {
    exposition out;
    const std::vector<double> bounds{1.0};
    const std::vector<std::uint64_t> counts{1, 1};
    ASSERT_TRUE(out.family("vipd_gauge", "", metric_type::gauge));
    EXPECT_FALSE(out.histogram({}, {bounds, counts, 2}));
    ASSERT_TRUE(out.family("vipd_h", "", metric_type::histogram));
    EXPECT_FALSE(out.histogram({}, {bounds, std::vector<std::uint64_t>{1}, 2}));
    EXPECT_FALSE(out.histogram({{"le", "1"}}, {bounds, counts, 2}));
    EXPECT_EQ(out.text(), "# TYPE vipd_gauge gauge\n# TYPE vipd_h histogram\n");
}

TEST(Exposition, EmptyBuilderHasEmptyText) {
    EXPECT_EQ(exposition{}.text(), "");
}

TEST(Exposition, IntegersBeyondTwoToThe53StayExact) {
    exposition out;
    ASSERT_TRUE(out.family("c_total", "h", metric_type::counter));
    ASSERT_TRUE(out.sample({}, std::uint64_t{9007199254740993}));  // 2^53 + 1
    EXPECT_EQ(out.text(), "# HELP c_total h\n# TYPE c_total counter\nc_total 9007199254740993\n");
}

TEST(Exposition, FormatValueIgnoresTheLocaleAndRoundTrips) {
    EXPECT_EQ(format_value(2.5), "2.5");
    EXPECT_EQ(format_value(-0.001), "-0.001");
    EXPECT_EQ(format_value(1.0 / 3.0), "0.3333333333333333");
    EXPECT_EQ(format_value(k_inf), "+Inf");
    EXPECT_EQ(format_value(-k_inf), "-Inf");
    EXPECT_EQ(format_value(k_nan), "NaN");
    EXPECT_EQ(std::stod(format_value(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(Names, MetricNamesFollowTheFormat) {
    for (const auto* good : {"vipd_up", "_x", "a:b", "vipd:rule_1", "A9"}) {
        EXPECT_TRUE(is_valid_metric_name(good)) << good;
    }
    for (const auto* bad : {"", "9a", "a-b", "a b", "a.b", "é", "a{b}"}) {
        EXPECT_FALSE(is_valid_metric_name(bad)) << bad;
    }
}

TEST(Names, LabelNamesFollowTheFormat) {
    for (const auto* good : {"instance", "_x", "a9", "_"}) {
        EXPECT_TRUE(is_valid_label_name(good)) << good;
    }
    for (const auto* bad : {"", "9a", "a:b", "a-b", "__name__", "__x"}) {
        EXPECT_FALSE(is_valid_label_name(bad)) << bad;
    }
}

TEST(Names, ABadFamilyNameIsRefusedWithItsSamples) {
    exposition out;
    EXPECT_FALSE(out.family("vipd-up", "h", metric_type::gauge));
    EXPECT_FALSE(out.sample({}, 1));
    ASSERT_TRUE(out.family("vipd_up", "h", metric_type::gauge));
    EXPECT_TRUE(out.sample({}, 1));
    EXPECT_EQ(out.text(), "# HELP vipd_up h\n# TYPE vipd_up gauge\nvipd_up 1\n");
}

TEST(Names, BadOrRepeatedLabelNamesRefuseTheSampleOnly) {
    exposition out;
    ASSERT_TRUE(out.family("m", "", metric_type::gauge));
    EXPECT_FALSE(out.sample({{"a-b", "x"}}, 1));
    EXPECT_FALSE(out.sample({{"__name__", "x"}}, 1));
    EXPECT_FALSE(out.sample({{"a", "x"}, {"a", "y"}}, 1));
    EXPECT_TRUE(out.sample({{"a", "x"}, {"b", "y"}}, 2));
    EXPECT_EQ(out.text(), "# TYPE m gauge\nm{a=\"x\",b=\"y\"} 2\n");
}

TEST(Names, ASampleNeedsAFamilyAndAFamilyKeepsItsType) {
    exposition out;
    EXPECT_FALSE(out.sample({}, 1));
    ASSERT_TRUE(out.family("m", "", metric_type::counter));
    EXPECT_FALSE(out.family("m", "", metric_type::gauge));
    EXPECT_FALSE(out.sample({}, 1)) << "the refused family is not the current one";
    EXPECT_EQ(out.text(), "# TYPE m counter\n");
}

TEST(Exposition, LabelsFromASpan) {
    exposition out;
    ASSERT_TRUE(out.family("m", "", metric_type::gauge));
    const std::vector<label> labels{{"a", "1"}, {"b", "2"}};
    EXPECT_TRUE(out.sample(labels, 7));
    EXPECT_TRUE(out.sample(labels, 7.5));
    EXPECT_EQ(out.text(), "# TYPE m gauge\nm{a=\"1\",b=\"2\"} 7\nm{a=\"1\",b=\"2\"} 7.5\n");
}

}  // namespace
}  // namespace vipd::metrics
