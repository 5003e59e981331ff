// sslp11-admin pool-key: puts the pool key (pkcs11/pool_key.h; the AES-256
// key under which a pool's TLS 1.2 masters and TLS 1.3 PSKs travel between
// its members) on the members of a [pool.NAME], and checks that they hold the
// same one.
//   create  generates it on one member's token (C_GenerateKey): never on the host
//   copy    carries it to another member under a key-encryption key made
//           there (pool_key_transport.h): never in clear on the host
//   seal    makes it non-extractable on every member once all hold it
//   check   each member: has it? its check value; all the same?
//   import  the fallback for tokens that cannot do the copy: a value read
//           from a 0600 file (pool_key_file.h), in host memory while imported
// docs/security.md, "Pool key", says what each costs.
#include <algorithm>
#include <iostream>
#include <map>
#include <optional>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/options.h"
#include "cli/pool_key_file.h"
#include "cli/pool_key_transport.h"
#include "cli/pool_members.h"
#include "pkcs11/attributes.h"
#include "pkcs11/error.h"
#include "pkcs11/pool_key.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "pool-key", "create|copy|seal|check|import [--pool NAME] [options]",
    "Put the pool key on the members of a token pool, and check that they hold the same one.",
    "The pool key (an AES-256 token object labelled sslp11-pool-key) lets a TLS 1.2 master made on\n"
    "one member resume on another, and a TLS 1.3 ticket's PSK where its member can wrap it. Each\n"
    "member is opened as its [token.NAME] section says (module, token, PIN source); the pool is\n"
    "--pool NAME, else the config's default-token.\n\n"
    "  create [--member M]      generate the key on member M's token (default: the first member);\n"
    "                           it stays extractable so that copy can carry it on\n"
    "  copy --from A --to B     carry A's key to B: B makes a 3072-bit RSA key pair (session\n"
    "                           objects), A wraps the key under its public half (CKM_RSA_PKCS_OAEP,\n"
    "                           SHA-256, else SHA-1), B unwraps it; the key is never in clear on the\n"
    "                           host, the key pair is destroyed after, the check values are compared\n"
    "  seal                     once every member holds the same key: make it non-extractable on each\n"
    "  check                    each member: has it? its check value (names the key, does not reveal it);\n"
    "                           exit 0 when every member holds one and the same key, else 1\n"
    "  import --key-file F [--member M]\n"
    "                           the fallback for tokens that cannot do the copy: the key from F (64 hex\n"
    "                           digits, mode 0600, e.g. openssl rand -hex 32), imported non-extractable\n"
    "                           on M (default: every member); the value passes through host memory\n\n"
    "create, copy and import refuse a member that already holds a pool key (delete it first:\n"
    "sslp11-admin delete --label sslp11-pool-key on that token) and a write-protected token (an NSS\n"
    "softoken opened without a database cannot hold token objects).\n\n"
    "example: sslp11-admin pool-key create --pool web && sslp11-admin pool-key copy --pool web --from a --to b"};

struct MemberKey {
  std::string name;
  std::optional<std::string> check_value;  // hex; nullopt: no pool key
  bool extractable = false;
  std::string error;  // the member could not be asked
};

std::string check_value_hex(const TokenSession& s, CK_OBJECT_HANDLE key) {
  return hex(p11::pool_key::TagKey(s.api(), s.handle(), key).check_value());
}

MemberKey inspect(const TokenSession& s, const std::string& name) {
  MemberKey m{name, std::nullopt, false, {}};
  if (const auto key = p11::pool_key::find(s.api(), s.handle())) {
    m.check_value = check_value_hex(s, *key);
    m.extractable = p11::read_bool(s.api(), s.handle(), *key, CKA_EXTRACTABLE).value_or(false);
  }
  return m;
}

MemberKey inspect_member(const GlobalOptions& global, const PoolMembers& pool, const std::string& name,
                         Access access) {
  try {
    return inspect(*open_member(global, pool, name, access), name);
  } catch (const std::exception& e) {
    // The config, a PIN source or a module path is wrong: not this member's state.
    if (exit_code_for(e) != kExitFailed) throw;
    return MemberKey{name, std::nullopt, false, one_line(e.what())};
  }
}

// `op` on a member's token, a refusal to write there explained.
template <class Op>
auto writing(const std::string& member, Op&& op) {
  try {
    return op();
  } catch (const p11::Error& e) {
    if (e.rv() == CKR_TOKEN_WRITE_PROTECTED) throw write_protected_error(member);
    throw;
  }
}

void refuse_existing(const TokenSession& s, const std::string& member) {
  if (const auto key = p11::pool_key::find(s.api(), s.handle())) {
    throw OperationError("pool member " + member + " (token '" + s.label() + "') already holds a pool key (check " +
                         "value " + check_value_hex(s, *key) + "); to replace it, delete it first: " +
                         "sslp11-admin delete --label " + std::string(p11::pool_key::kLabel) + " on that token");
  }
}

int create(const GlobalOptions& global, const PoolMembers& pool, std::string member) {
  if (member.empty()) member = pool.members.front();
  require_member(pool, member, "--member");
  const auto s = open_member(global, pool, member, Access::read_write);
  refuse_existing(*s, member);
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  auto t = p11::pool_key::attributes(/*extractable=*/true);
  t.add_ulong(CKA_VALUE_LEN, p11::pool_key::kKeyBytes);
  const CK_OBJECT_HANDLE key = writing(member, [&] { return s->api().C_GenerateKey(s->handle(), gen, t.span()); });
  std::cout << "pool " << pool.pool << ": pool key generated on member " << member << " (token '" << s->label()
            << "'), check value " << check_value_hex(*s, key) << "\n"
            << "It is extractable until sealed: copy it to each other member (sslp11-admin pool-key copy --pool "
            << pool.pool << " --from " << member << " --to MEMBER), then run sslp11-admin pool-key seal --pool "
            << pool.pool << "\n";
  return kExitOk;
}

int copy(const GlobalOptions& global, const PoolMembers& pool, const std::string& from, const std::string& to) {
  if (from.empty() || to.empty()) throw UsageError("copy needs --from MEMBER and --to MEMBER");
  require_member(pool, from, "--from");
  require_member(pool, to, "--to");
  if (from == to) throw UsageError("--from and --to name the same member, " + from);
  const auto target = open_member(global, pool, to, Access::read_write);
  refuse_existing(*target, to);
  const auto source = open_member(global, pool, from, Access::read_only);
  const auto key = p11::pool_key::find(source->api(), source->handle());
  if (!key) throw OperationError("pool member " + from + " (token '" + source->label() + "') has no pool key");
  if (!p11::read_bool(source->api(), source->handle(), *key, CKA_EXTRACTABLE).value_or(false)) {
    throw OperationError("the pool key on member " + from + " is sealed (not extractable), so it cannot be copied: " +
                         "copy from a member where it is not sealed yet, or use sslp11-admin pool-key import");
  }
  const Transport transport = writing(to, [&] { return copy_pool_key(*source, *key, *target); });
  const std::string sent = check_value_hex(*source, *key);
  const auto copied = p11::pool_key::find(target->api(), target->handle());
  const std::string received = copied ? check_value_hex(*target, *copied) : "none";
  if (sent != received) {
    if (copied) target->api().C_DestroyObject(target->handle(), *copied);
    throw OperationError("the key unwrapped on member " + to + " has check value " + received + ", not " + sent +
                         "; it was deleted");
  }
  std::cout << "pool " << pool.pool << ": pool key copied from member " << from << " to member " << to << " under a "
            << kKekBits << "-bit RSA key made on " << to << " (CKM_RSA_PKCS_OAEP, " << transport.oaep
            << "); check values agree: " << sent << "\n";
  return kExitOk;
}

// Exit 0 when every member holds one and the same pool key.
int check(const GlobalOptions& global, const PoolMembers& pool) {
  std::vector<MemberKey> members;
  for (const auto& name : pool.members) members.push_back(inspect_member(global, pool, name, Access::read_only));
  std::map<std::string, std::vector<std::string>> by_value;
  std::vector<std::string> lacking, unreadable, extractable;
  for (const MemberKey& m : members) {
    if (!m.error.empty()) unreadable.push_back(m.name);
    else if (!m.check_value) lacking.push_back(m.name);
    else by_value[*m.check_value].push_back(m.name);
    if (m.check_value && m.extractable) extractable.push_back(m.name);
  }
  const bool same = lacking.empty() && unreadable.empty() && by_value.size() == 1;
  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object().field("pool", pool.pool).key("members").begin_array();
    for (const MemberKey& m : members) {
      j.begin_object().field("name", m.name).field("pool_key", m.check_value.has_value()).key("check_value");
      if (m.check_value) j.value(*m.check_value);
      else j.null();
      j.field("extractable", m.extractable).field("error", m.error).end_object();
    }
    j.end_array().field("same_key_on_every_member", same).end_object();
    return same ? kExitOk : kExitFailed;
  }
  std::size_t width = 6;
  for (const MemberKey& m : members) width = std::max(width, m.name.size());
  auto padded = [](std::string s, std::size_t w) {
    if (s.size() < w) s.resize(w, ' ');
    return s + " ";
  };
  std::cout << "pool " << pool.pool << ": " << members.size() << " members\n"
            << padded("member", width) << padded("pool key", 8) << padded("check value", 16) << "extractable\n";
  for (const MemberKey& m : members) {
    std::cout << padded(m.name, width);
    if (!m.error.empty()) std::cout << "cannot be checked: " << m.error << "\n";
    else if (!m.check_value) std::cout << padded("no", 8) << padded("-", 16) << "-\n";
    else std::cout << padded("yes", 8) << padded(*m.check_value, 16) << (m.extractable ? "yes" : "no") << "\n";
  }
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (same) std::cout << "every member holds the same pool key\n";
  if (!lacking.empty()) std::cout << "problem: no pool key on member(s) " << joined(lacking) << "\n";
  if (!unreadable.empty()) std::cout << "problem: member(s) " << joined(unreadable) << " cannot be checked\n";
  if (by_value.size() > 1) {
    std::cout << "problem: the members hold different pool keys:";
    for (const auto& [value, names] : by_value) std::cout << " " << value << " on " << joined(names) << ";";
    std::cout << "\n";
  }
  if (same && !extractable.empty()) {
    std::cout << "note: still extractable on " << joined(extractable) << ": run sslp11-admin pool-key seal --pool "
              << pool.pool << "\n";
  }
  return same ? kExitOk : kExitFailed;
}

int seal(const GlobalOptions& global, const PoolMembers& pool) {
  std::vector<std::unique_ptr<TokenSession>> sessions;
  std::optional<std::string> value;
  for (const auto& name : pool.members) {
    sessions.push_back(open_member(global, pool, name, Access::read_write));
    const MemberKey m = inspect(*sessions.back(), name);
    if (!m.check_value) throw OperationError("pool member " + name + " has no pool key: copy it there before sealing");
    if (value && *value != *m.check_value) {
      throw OperationError("pool member " + name + " holds another pool key (check value " + *m.check_value +
                           ", not " + *value + "): nothing was sealed");
    }
    value = m.check_value;
  }
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const TokenSession& s = *sessions[i];
    const CK_OBJECT_HANDLE key = *p11::pool_key::find(s.api(), s.handle());
    p11::AttributeTemplate t;
    t.add_bool(CKA_EXTRACTABLE, false);  // PKCS#11 allows true -> false only: this cannot be undone
    writing(pool.members[i], [&] { s.api().C_SetAttributeValue(s.handle(), key, t.span()); });
  }
  std::cout << "pool " << pool.pool << ": the pool key (check value " << *value << ") is not extractable on any of its "
            << pool.members.size() << " members now\n";
  return kExitOk;
}

int import(const GlobalOptions& global, const PoolMembers& pool, const std::string& member, const std::string& file) {
  if (file.empty()) throw UsageError("import needs --key-file PATH");
  std::vector<std::string> names = pool.members;
  if (!member.empty()) {
    require_member(pool, member, "--member");
    names = {member};
  }
  std::vector<std::unique_ptr<TokenSession>> sessions;
  for (const auto& name : names) {
    sessions.push_back(open_member(global, pool, name, Access::read_write));
    refuse_existing(*sessions.back(), name);
  }
  PoolKeyValue value;
  read_pool_key_file(file, value);
  std::string check_value;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const TokenSession& s = *sessions[i];
    // Not extractable: the value exists outside the tokens, so each member
    // gets it from the file, never from another member.
    auto t = p11::pool_key::attributes(/*extractable=*/false);
    t.add_bytes(CKA_VALUE, value.span());
    const CK_OBJECT_HANDLE key = writing(names[i], [&] { return s.api().C_CreateObject(s.handle(), t.span()); });
    check_value = check_value_hex(s, key);
  }
  std::cout << "pool " << pool.pool << ": pool key imported on " << names.size() << " member(s), check value "
            << check_value << "\nThe value was in this host's memory (wiped now) and is still in " << file
            << ": destroy that file once every member holds the key (shred -u)\n";
  return kExitOk;
}

}  // namespace

int cmd_pool_key(const CommandArgs& args) {
  GlobalOptions global;
  std::string action, pool, member, from, to, key_file;
  po::options_description own("pool-key options");
  own.add_options()
      ("action", po::value(&action)->value_name("ACTION"),
       "create, copy, seal, check or import (also the first positional argument)")
      ("pool", po::value(&pool)->value_name("NAME"), "the [pool.NAME] (default: the config's default-token)")
      ("member", po::value(&member)->value_name("NAME"), "create, import: the member to work on")
      ("from", po::value(&from)->value_name("NAME"), "copy: the member that holds the pool key")
      ("to", po::value(&to)->value_name("NAME"), "copy: the member to copy it to")
      ("key-file", po::value(&key_file)->value_name("PATH"),
       "import: the file holding the key, 64 hex digits, mode 0600");
  po::positional_options_description positional;
  positional.add("action", 1);
  if (!parse_command_line(kInfo, args, own, global, &positional)) return kExitOk;
  static const std::map<std::string, std::vector<std::string>> kOptionsOf{
      {"create", {"member"}}, {"copy", {"from", "to"}}, {"seal", {}}, {"check", {}}, {"import", {"member", "key-file"}}};
  const auto allowed = kOptionsOf.find(action);
  if (allowed == kOptionsOf.end()) {
    throw UsageError("give the action: sslp11-admin pool-key create|copy|seal|check|import [--pool NAME]");
  }
  for (const auto& [option, value] : {std::pair{"member", &member}, std::pair{"from", &from}, std::pair{"to", &to},
                                      std::pair{"key-file", &key_file}}) {
    const auto& ok = allowed->second;
    if (!value->empty() && std::find(ok.begin(), ok.end(), option) == ok.end()) {
      throw UsageError(std::string("--") + option + " does not apply to pool-key " + action);
    }
  }
  if (global.json && action != "check") throw UsageError("--json goes with pool-key check");
  const PoolMembers members = resolve_pool_members(global, pool);
  if (global.verbose) std::cerr << "using [pool." << members.pool << "] of " << members.config_path << "\n";
  if (action == "create") return create(global, members, member);
  if (action == "copy") return copy(global, members, from, to);
  if (action == "seal") return seal(global, members);
  if (action == "check") return check(global, members);
  return import(global, members, member, key_file);
}

}  // namespace sslp11::cli
