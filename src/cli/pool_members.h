// The members of a configured [pool.NAME] for the subcommands that work on
// each member's token directly (pool-key): which pool (--pool, else the
// config's default-token when that is a pool), and a logged-in session on one
// member, opened as its [token.NAME] section says (its module, selector and
// PIN source).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/errors.h"
#include "cli/options.h"
#include "cli/token_session.h"

namespace sslp11::cli {

struct PoolMembers {
  std::string pool;                  // NAME of [pool.NAME]
  std::string config_path;
  std::vector<std::string> members;  // in the order of its members line
};

// Throws UsageError when the config has no such pool (or, without --pool,
// when its default-token is no pool), and when `global` names a token or
// module itself: the members' sections say which tokens.
PoolMembers resolve_pool_members(const GlobalOptions& global, const std::string& pool);

// UsageError unless `name` is one of `pool`'s members; "--member" etc. is
// the option that gave it, for the message.
void require_member(const PoolMembers& pool, const std::string& name, const std::string& option);

// A session on member `name` (Access::read_write for writing a token object
// there). A write-protected token asked for read_write fails with an
// OperationError that says why it cannot hold the pool key.
std::unique_ptr<TokenSession> open_member(const GlobalOptions& global, const PoolMembers& pool,
                                          const std::string& name, Access access);

// The error for a member whose token refused a token object
// (CKR_TOKEN_WRITE_PROTECTED): why, and what an NSS softoken needs instead.
OperationError write_protected_error(const std::string& name);

}  // namespace sslp11::cli
