#pragma once
/// One scrape's text in the Prometheus text exposition format 0.0.4. Pure: no I/O, no Asio.
///
/// Usage: `family(name, help, type)`, then that family's samples; then the next family.
/// Families come out in the order they were first started, each with its HELP and TYPE once.
///
/// Names are checked, not asserted: a metric or label name the format does not allow makes the
/// call return false and write nothing, so a bad name costs one series, never the scrape or the
/// daemon. (vipd's names are constants; tests catch a bad one.) Label values and HELP text are
/// data and are escaped, never refused.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace vipd::metrics {

enum class metric_type : std::uint8_t { counter, gauge, histogram };

/// One histogram's data: `counts[i]` observations at most `upper_bounds[i]` (not cumulative),
/// `counts.back()` those above the last bound; so counts has one more element than the bounds.
struct histogram_data {
    std::span<const double> upper_bounds;
    std::span<const std::uint64_t> counts;
    double sum = 0;
};

/// One `name="value"` pair of a sample.
struct label {
    std::string_view name;
    std::string_view value;
};

/// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_valid_metric_name(std::string_view name) noexcept;
/// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool is_valid_label_name(std::string_view name) noexcept;

/// How a value is written: shortest text that reads back the same double, without locale;
/// "+Inf", "-Inf", "NaN".
std::string format_value(double value);

class exposition {
  public:
    /// Starts (or, for a name already started with the same type, resumes) a family; the samples
    /// that follow belong to it. False if the name is invalid or was started with another type:
    /// the samples that follow are then refused too, until the next good `family` call.
    bool family(std::string_view name, std::string_view help, metric_type type);

    /// A sample of the current family, named after it. False (nothing written) without a
    /// current family, or with an invalid or repeated label name.
    bool sample(std::span<const label> labels, double value);
    bool sample(std::initializer_list<label> labels, double value) {
        return sample(std::span<const label>(labels.begin(), labels.size()), value);
    }
    /// Integers are written exactly (a double would round counters above 2^53).
    template <std::integral T>
    requires(!std::same_as<T, bool>) bool sample(std::span<const label> labels, T value) {
        if constexpr (std::is_signed_v<T>) {
            return sample_integer(labels, std::to_string(static_cast<std::int64_t>(value)));
        } else {
            return sample_integer(labels, std::to_string(static_cast<std::uint64_t>(value)));
        }
    }
    template <std::integral T>
    requires(!std::same_as<T, bool>) bool sample(std::initializer_list<label> labels, T value) {
        return sample(std::span<const label>(labels.begin(), labels.size()), value);
    }

    /// A histogram of the current family (started as metric_type::histogram): its cumulative
    /// `_bucket` series with `le` up to "+Inf", then `_sum` and `_count`. False (nothing
    /// written) for another family type, a label named "le", or counts that do not fit the bounds.
    bool histogram(std::span<const label> labels, const histogram_data& data);
    bool histogram(std::initializer_list<label> labels, const histogram_data& data) {
        return histogram(std::span<const label>(labels.begin(), labels.size()), data);
    }

    /// The exposition: every family with its samples, each line ending in '\n'.
    std::string text() const;

  private:
    struct family_block {
        std::string name;
        metric_type type;
        std::string lines;  // HELP, TYPE and the samples written so far
    };

    bool sample_integer(std::span<const label> labels, const std::string& value);
    bool write_sample(std::span<const label> labels, std::string_view value,
                      std::string_view suffix = {});

    static constexpr std::size_t k_none = static_cast<std::size_t>(-1);

    std::vector<family_block> families_;
    std::size_t current_ = k_none;  // index in families_; k_none: none, or it was refused
};

}  // namespace vipd::metrics
