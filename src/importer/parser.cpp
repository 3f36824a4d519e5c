#include <filesystem>
#include <set>
#include <utility>

#include "tokens.hpp"
#include "vipd/importer/syntax.hpp"

namespace vipd::importer {
namespace {

using detail::token;
using detail::token_kind;

/// The files being read, outermost first: for cycle detection and the depth limit.
struct include_stack {
    std::vector<std::string> identities;
};

class parser {
  public:
    parser(const detail::token_list& tokens, std::string file, const file_source& files,
           include_stack& stack, parse_result& out)
        : tokens_(tokens.tokens), file_(std::move(file)), files_(files), stack_(stack), out_(out) {
        if (tokens.unterminated_quote_line != 0) {
            error(tokens.unterminated_quote_line, "a quote is not closed on its line");
        }
    }

    std::vector<node> statements(const token* opened_by) {
        std::vector<node> nodes;
        while (at_ < tokens_.size()) {
            const token& t = tokens_[at_++];
            switch (t.kind) {
                case token_kind::end_of_line:
                    break;
                case token_kind::close:
                    if (opened_by != nullptr) {
                        return nodes;
                    }
                    error(t.line, "'}' without a '{' to close");
                    break;
                case token_kind::open:
                    // `keyword args` on one line and `{` alone on the next.
                    if (!nodes.empty() && !nodes.back().has_block) {
                        block_of(nodes.back(), t);
                    } else {
                        error(t.line, "'{' without a keyword before it");
                        statements(&t);
                    }
                    break;
                case token_kind::word:
                    statement(t, nodes);
                    break;
            }
        }
        if (opened_by != nullptr) {
            error(opened_by->line, "'{' is not closed by the end of the file");
        }
        return nodes;
    }

  private:
    void error(std::uint32_t line, std::string message) {
        out_.errors.push_back(syntax_error{file_, line, std::move(message)});
    }

    void block_of(node& owner, const token& open) {
        owner.has_block = true;
        owner.children = statements(&open);
    }

    void statement(const token& first, std::vector<node>& nodes) {
        node n;
        n.file = file_;
        n.line = first.line;
        n.keyword = first.text;
        if (first.text.size() > 1 && first.text.front() == '@' && next_is_word()) {
            n.condition = first.text.substr(1);
            n.keyword = tokens_[at_++].text;
        }
        while (next_is_word()) {
            n.args.push_back(tokens_[at_++].text);
        }
        if (at_ < tokens_.size() && tokens_[at_].kind == token_kind::open) {
            block_of(n, tokens_[at_++]);
        }
        if (n.keyword == "include" && n.condition.empty() && !n.has_block) {
            include(n, nodes);
            return;
        }
        nodes.push_back(std::move(n));
    }

    bool next_is_word() const {
        return at_ < tokens_.size() && tokens_[at_].kind == token_kind::word;
    }

    void include(const node& n, std::vector<node>& nodes) {
        if (n.args.size() != 1) {
            error(n.line, "include takes one file name or glob pattern");
            return;
        }
        if (static_cast<int>(stack_.identities.size()) > k_max_include_depth) {
            error(n.line, "includes nest deeper than " + std::to_string(k_max_include_depth));
            return;
        }
        const std::filesystem::path written(n.args.front());
        const auto pattern =
            written.is_absolute() ? written : std::filesystem::path(file_).parent_path() / written;
        for (const auto& path : files_.expand(pattern.string())) {
            include_file(n, path, nodes);
        }
    }

    void include_file(const node& n, const std::string& path, std::vector<node>& nodes) {
        const auto identity = files_.identity(path);
        for (const auto& open : stack_.identities) {
            if (open == identity) {
                error(n.line, "include cycle: " + path + " is already being read");
                return;
            }
        }
        const auto text = files_.read(path);
        if (!text) {
            error(n.line, "cannot read included file " + path);
            return;
        }
        stack_.identities.push_back(identity);
        const auto tokens = detail::tokenize(*text);
        auto spliced = parser(tokens, path, files_, stack_, out_).statements(nullptr);
        stack_.identities.pop_back();
        for (auto& s : spliced) {
            nodes.push_back(std::move(s));
        }
    }

    const std::vector<token>& tokens_;
    std::size_t at_ = 0;
    std::string file_;
    const file_source& files_;
    include_stack& stack_;
    parse_result& out_;
};

}  // namespace

std::string syntax_error::to_string() const {
    return line == 0 ? file + ": " + message : file + ":" + std::to_string(line) + ": " + message;
}

parse_result parse(const std::string& text, const std::string& file_name,
                   const file_source& files) {
    parse_result out;
    include_stack stack{{files.identity(file_name)}};
    const auto tokens = detail::tokenize(text);
    out.nodes = parser(tokens, file_name, files, stack, out).statements(nullptr);
    return out;
}

parse_result parse_file(const std::string& path, const file_source& files) {
    const auto text = files.read(path);
    if (!text) {
        parse_result out;
        out.errors.push_back(syntax_error{path, 0, "cannot read the file"});
        return out;
    }
    return parse(*text, path, files);
}

}  // namespace vipd::importer
