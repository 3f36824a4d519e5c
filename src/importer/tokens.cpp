#include "tokens.hpp"

namespace vipd::importer::detail {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
bool ends_word(char c) {
    return is_blank(c) || c == '\n' || c == '{' || c == '}';
}

class tokenizer {
  public:
    explicit tokenizer(std::string_view text) : text_(text) {}

    token_list run() {
        while (at_ < text_.size()) {
            const char c = text_[at_];
            if (c == '\n') {
                push(token_kind::end_of_line, {});
                ++line_;
                ++at_;
            } else if (is_blank(c)) {
                ++at_;
            } else if (c == '#' || c == '!') {
                skip_comment();
            } else if (c == '{' || c == '}') {
                push(c == '{' ? token_kind::open : token_kind::close, {});
                ++at_;
            } else if (c == '"') {
                quoted();
            } else {
                bare();
            }
        }
        push(token_kind::end_of_line, {});
        return std::move(out_);
    }

  private:
    void push(token_kind kind, std::string text) {
        out_.tokens.push_back(token{kind, std::move(text), line_});
    }

    void skip_comment() {
        while (at_ < text_.size() && text_[at_] != '\n') {
            ++at_;
        }
    }

    // keepalived ends a quoted word at the next quote on the same line.
    void quoted() {
        const auto close = text_.find_first_of("\"\n", at_ + 1);
        if (close == std::string_view::npos || text_[close] == '\n') {
            if (out_.unterminated_quote_line == 0) {
                out_.unterminated_quote_line = line_;
            }
            const auto end = close == std::string_view::npos ? text_.size() : close;
            push(token_kind::word, std::string(text_.substr(at_ + 1, end - at_ - 1)));
            at_ = end;
            return;
        }
        push(token_kind::word, std::string(text_.substr(at_ + 1, close - at_ - 1)));
        at_ = close + 1;
    }

    void bare() {
        const auto start = at_;
        while (at_ < text_.size() && !ends_word(text_[at_])) {
            ++at_;
        }
        push(token_kind::word, std::string(text_.substr(start, at_ - start)));
    }

    std::string_view text_;
    std::size_t at_ = 0;
    std::uint32_t line_ = 1;
    token_list out_;
};

}  // namespace

token_list tokenize(std::string_view text) {
    return tokenizer(text).run();
}

}  // namespace vipd::importer::detail
