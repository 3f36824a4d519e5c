#pragma once
/// Client TLS contexts shared by the https probes of one io_context: one per verification mode
/// (no verification; system trust store; each CA file), instead of one per probe. An Asio
/// service, so the cache lives and dies with its io_context rather than as global state.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "vipd/io/asio.hpp"

#include <boost/asio/ssl.hpp>

namespace vipd::health::checkers::detail {

class tls_contexts final : public asio::execution_context::service {
  public:
    static asio::execution_context::id id;

    explicit tls_contexts(asio::execution_context& owner) : service(owner) {}

    /// The context for `verify` / `ca_file`, made on first use and shared while any probe holds
    /// it (a reload re-reads a changed CA file once the old probes are gone). Throws
    /// boost::system::system_error when the CA file cannot be loaded.
    std::shared_ptr<asio::ssl::context> get(bool verify, const std::optional<std::string>& ca_file);

  private:
    void shutdown() override {}
    std::mutex mutex_;  // services may be reached from any thread that holds the io_context
    std::map<std::pair<bool, std::string>, std::weak_ptr<asio::ssl::context>> contexts_;
};

}  // namespace vipd::health::checkers::detail
