#include "cli/pool_members.h"

#include <algorithm>

#include "cli/errors.h"
#include "cli/target.h"
#include "config/config.h"
#include "pkcs11/error.h"

namespace sslp11::cli {

PoolMembers resolve_pool_members(const GlobalOptions& global, const std::string& pool) {
  if (!global.module.empty() || !global.token.empty() || !global.serial.empty() || global.slot >= 0 ||
      !global.pin_source.empty()) {
    throw UsageError("the pool's [token.NAME] sections say which tokens and PINs; --module, --token, --serial, "
                     "--slot and --pin-source do not apply");
  }
  const std::filesystem::path path = config::find_config_file(global.config);
  const config::Config cfg = config::load_config(path);
  const std::string name = pool.empty() ? cfg.default_token : pool;
  const config::PoolConfig* found = cfg.find_pool(name);
  if (found == nullptr) {
    throw UsageError(pool.empty() ? "the default-token of " + path.string() + " is no pool: give --pool NAME"
                                  : "the config " + path.string() + " has no [pool." + pool + "]");
  }
  return PoolMembers{found->name, path.string(), found->members};
}

void require_member(const PoolMembers& pool, const std::string& name, const std::string& option) {
  if (std::find(pool.members.begin(), pool.members.end(), name) == pool.members.end()) {
    throw UsageError(option + " " + name + " is not a member of [pool." + pool.pool + "]");
  }
}

std::unique_ptr<TokenSession> open_member(const GlobalOptions& global, const PoolMembers& pool,
                                          const std::string& name, Access access) {
  GlobalOptions g = global;
  g.config = pool.config_path;
  g.token = name;
  const Target target = resolve_target(g);
  std::unique_ptr<TokenSession> session;
  try {
    session = open_user_session(target, Login::required, access);
  } catch (const p11::Error& e) {
    if (e.rv() != CKR_TOKEN_WRITE_PROTECTED) throw;
    throw write_protected_error(name);
  }
  // NSS softoken's crypto token takes read/write sessions (for session
  // objects) but no token object: the flag says so before anything is made.
  if (access == Access::read_write && (session->slot().token_flags & CKF_WRITE_PROTECTED) != 0) {
    throw write_protected_error(name);
  }
  return session;
}

OperationError write_protected_error(const std::string& name) {
  return OperationError("pool member " + name + ": its token is write-protected, so it cannot hold the pool key " +
                        "(a token object); an NSS softoken opened without a database (flags=noCertDB,noModDB," +
                        "readOnly) never can: it needs its key database token, opened read-write");
}

}  // namespace sslp11::cli
