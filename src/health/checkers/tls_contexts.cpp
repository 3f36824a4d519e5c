#include "tls_contexts.hpp"

namespace vipd::health::checkers::detail {

asio::execution_context::id tls_contexts::id;

std::shared_ptr<asio::ssl::context> tls_contexts::get(bool verify,
                                                      const std::optional<std::string>& ca_file) {
    // Without verification a CA file changes nothing: one shared context for all of those.
    const std::pair<bool, std::string> cache_key{verify,
                                                 verify && ca_file ? *ca_file : std::string()};
    const std::lock_guard lock(mutex_);
    if (auto existing = contexts_[cache_key].lock()) {
        return existing;
    }
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3);
    if (verify) {
        context->set_verify_mode(asio::ssl::verify_peer);
        if (!cache_key.second.empty()) {
            context->load_verify_file(cache_key.second);
        } else {
            context->set_default_verify_paths();
        }
    } else {
        context->set_verify_mode(asio::ssl::verify_none);
    }
    contexts_[cache_key] = context;
    return context;
}

}  // namespace vipd::health::checkers::detail
