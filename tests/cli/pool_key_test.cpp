// `sslp11-admin pool-key` with the real binary on a throwaway pool of two
// SoftHSM tokens (a, b) and the NSS softoken (n, opened without a database as
// every test opens it): create on a, copy to b, check and seal; a pool opened
// afterwards exports a TLS 1.2 master as a version-2 blob that imports on b;
// check names a member lacking the key and members holding different keys;
// copy refuses a member that has one; the key-encryption key's session
// objects are destroyed, also when the unwrap fails (seen through a
// recording module, tests/cli/support/object_ledger_shim.cpp); the import
// fallback, its file-mode refusal and the absence of key bytes in any
// output; usage errors and the NSS member's refusal, with their exit codes.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cli/support/admin_runner.h"
#include "pool/pool_support.h"
#include "support/provider_env.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

// A known fallback key: no output may ever contain it.
constexpr const char* kFallbackKey = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210";

std::string token_section(const std::string& name, const AdminToken& t, const std::string& module = "") {
  std::ostringstream c;
  c << "[token." << name << "]\nmodule = " << (module.empty() ? t.spec.module_path : module) << "\n";
  if (!t.spec.init_args.empty()) c << "init-args = \"" << t.spec.init_args << "\"\n";
  c << "label = " << t.spec.label << "\npin = "
    << (t.spec.login_required ? "env:" + t.user_pin_var : std::string("none")) << "\n";
  return c.str();
}

class PoolKey : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new AdminToken("cli-pk-a");
    b_ = new AdminToken("cli-pk-b");
    n_ = new AdminToken(TestTokens::nss());
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
    delete n_;
  }
  void SetUp() override {
    for (const AdminToken* t : {a_, b_}) {
      const auto r = run_admin(Args{"delete", "--label", "sslp11-pool-key", "--yes"} + t->user(), env());
      ASSERT_TRUE(r.exit_code == 0 || r.err.find("no object") != std::string::npos) << describe(r);
    }
  }
  static std::vector<std::string> env() { return a_->env() + b_->env(); }
  // [pool.farm] = a, b (the default-token) and [pool.mixed] = a, n; `module`
  // replaces the SoftHSM members' module (the recording shim).
  static std::string config(const std::string& name, const std::string& module = "") {
    return write_test_file(name + ".conf", "[provider]\ndefault-token = farm\n" + token_section("a", *a_, module) +
                                               token_section("b", *b_, module) + token_section("n", *n_) +
                                               "[pool.farm]\nmembers = a, b\n[pool.mixed]\nmembers = a, n\n");
  }
  static AdminResult pool_key(const Args& args, const std::string& conf, const std::vector<std::string>& extra = {}) {
    return run_admin(Args{"pool-key"} + args + Args{"--config", conf}, env() + extra);
  }
  // The token objects of `t` labelled `label`.
  static std::size_t objects_labelled(const AdminToken& t, const std::string& label) {
    const auto r = run_admin(Args{"objects", "--json"} + t.user(), env());
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    std::size_t n = 0;
    for (const ptree& o : array(parse_json(r), "objects")) n += o.get<std::string>("label", "") == label;
    return n;
  }
  // member name -> check value ("" when it has no pool key), from check --json.
  static std::map<std::string, std::string> check_values(const std::string& conf, int expected_exit) {
    const auto r = pool_key({"check", "--json"}, conf);
    EXPECT_EQ(r.exit_code, expected_exit) << describe(r);
    std::map<std::string, std::string> out;
    for (const ptree& m : array(parse_json(r), "members")) {
      out[m.get<std::string>("name")] = m.get<bool>("pool_key") ? m.get<std::string>("check_value") : "";
    }
    return out;
  }
  static AdminToken* a_;
  static AdminToken* b_;
  static AdminToken* n_;
};
AdminToken* PoolKey::a_ = nullptr;
AdminToken* PoolKey::b_ = nullptr;
AdminToken* PoolKey::n_ = nullptr;

TEST_F(PoolKey, CreateCopyCheckAndSeal) {
  const std::string conf = config("pk-ceremony");
  const std::size_t a_objects = objects_labelled(*a_, "sslp11-pool-key-transport");
  const auto created = pool_key({"create", "--member", "a"}, conf);
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  EXPECT_NE(created.out.find("pool key generated on member a"), std::string::npos) << created.out;

  const auto copied = pool_key({"copy", "--from", "a", "--to", "b"}, conf);
  ASSERT_EQ(copied.exit_code, 0) << describe(copied);
  EXPECT_NE(copied.out.find("check values agree"), std::string::npos) << copied.out;
  // SoftHSMv2 2.6 refuses OAEP with SHA-256 (CKR_ARGUMENTS_BAD): the copy falls back to SHA-1.
  EXPECT_NE(copied.out.find("(CKM_RSA_PKCS_OAEP, SHA-1)"), std::string::npos) << copied.out;
  // No key-encryption key stayed on either token as a token object.
  EXPECT_EQ(objects_labelled(*a_, "sslp11-pool-key-transport"), a_objects);
  EXPECT_EQ(objects_labelled(*b_, "sslp11-pool-key-transport"), 0u);
  EXPECT_EQ(objects_labelled(*b_, "sslp11-pool-key"), 1u);

  const auto r = pool_key({"check", "--json"}, conf);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const ptree d = parse_json(r);
  EXPECT_TRUE(d.get<bool>("same_key_on_every_member")) << r.out;
  const auto members = array(d, "members");
  ASSERT_EQ(members.size(), 2u) << r.out;
  EXPECT_EQ(members[0].get<std::string>("check_value").size(), 16u) << r.out;
  EXPECT_EQ(members[0].get<std::string>("check_value"), members[1].get<std::string>("check_value")) << r.out;
  for (const ptree& m : members) EXPECT_TRUE(m.get<bool>("extractable")) << r.out;
  EXPECT_NE(created.out.find(members[0].get<std::string>("check_value")), std::string::npos) << created.out;

  const auto sealed = pool_key({"seal"}, conf);
  ASSERT_EQ(sealed.exit_code, 0) << describe(sealed);
  const auto text = pool_key({"check"}, conf);
  EXPECT_EQ(text.exit_code, 0) << describe(text);
  EXPECT_NE(text.out.find("every member holds the same pool key"), std::string::npos) << text.out;
  for (const ptree& m : array(parse_json(pool_key({"check", "--json"}, conf)), "members")) {
    EXPECT_FALSE(m.get<bool>("extractable"));
  }
}

// A TLS 1.2 master made on a pool that went through the ceremony exports as
// a version-2 blob (the master wrapped under the pool key), which imports on
// the other member (round-robin: the fourth placement is b), as in
// tests/pool/resumption_test.cpp, which shows the imported master's records.
TEST_F(PoolKey, APoolOpenedAfterwardsHasWrappableMasters) {
  const std::string conf = config("pk-masters");
  ASSERT_EQ(pool_key({"create"}, conf).exit_code, 0);
  ASSERT_EQ(pool_key({"copy", "--from", "a", "--to", "b"}, conf).exit_code, 0);
  const std::string provider_conf = write_test_file(
      "pk-masters-provider.conf", "[provider]\ndefault-token = farm\n" + token_section("a", *a_) +
                                      token_section("b", *b_) + "[pool.farm]\nmembers = a, b\npolicy = round-robin\n");
  for (const std::string& e : env()) {  // the members' PINs, for the provider
    ::setenv(e.substr(0, e.find('=')).c_str(), e.substr(e.find('=') + 1).c_str(), 1);
  }
  ::setenv("SSLP11_CONF", provider_conf.c_str(), 1);
  NCRYPT_PROV_HANDLE p = 0;
  ASSERT_EQ(SslOpenProvider(&p, MS_SCHANNEL_PROVIDER, 0), 0) << last_error();
  constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
  std::vector<NCRYPT_KEY_HANDLE> keys;
  auto ephemeral = [&] {
    NCRYPT_KEY_HANDLE k = 0;
    EXPECT_EQ(SslCreateEphemeralKey(p, &k, TLS1_2_PROTOCOL_VERSION, kSuite, TLS_ECC_P256_CURVE_KEY_TYPE, 256,
                                    nullptr, 0, 0),
              0)
        << last_error();
    keys.push_back(k);
    return k;
  };
  const NCRYPT_KEY_HANDLE ours = ephemeral(), theirs = ephemeral();
  std::vector<std::uint8_t> point(200);
  DWORD n = 0;
  ASSERT_EQ(SslExportKey(p, theirs, BCRYPT_ECCPUBLIC_BLOB, point.data(), 200, &n, 0), 0) << last_error();
  NCRYPT_KEY_HANDLE peer = 0, master = 0, resumed = 0;
  ASSERT_EQ(SslImportKey(p, &peer, BCRYPT_ECCPUBLIC_BLOB, point.data(), n, 0), 0) << last_error();
  keys.push_back(peer);
  std::uint8_t client_random[32] = {1}, server_random[32] = {2};
  NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random},
                             {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random}};
  NCryptBufferDesc randoms{NCRYPTBUFFER_VERSION, 2, buffers};
  ASSERT_EQ(SslGenerateMasterKey(p, ours, peer, &master, TLS1_2_PROTOCOL_VERSION, kSuite, &randoms, nullptr, 0, &n,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0)
      << last_error();
  keys.push_back(master);
  std::vector<std::uint8_t> blob(512);
  ASSERT_EQ(SslExportKey(p, master, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), 512, &n, 0), 0) << last_error();
  blob.resize(n);
  ASSERT_EQ(blob.size(), 116u);             // a version-2 pool blob, not the 72-byte reference
  EXPECT_EQ(blob[4] | (blob[5] << 8), 2);  // its version field
  ephemeral();                              // the third placement (a): the import is the fourth (b)
  const std::vector<pool_test::Member> members{{"a", a_->spec}, {"b", b_->spec}};
  const auto before = pool_test::counts(members);
  EXPECT_EQ(SslImportKey(p, &resumed, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), n, 0), 0) << last_error();
  keys.push_back(resumed);
  EXPECT_EQ(pool_test::grown_member(members, before), 1) << "the imported master is not on member b alone";
  for (NCRYPT_KEY_HANDLE k : keys) SslFreeObject(k, 0);
  SslFreeObject(p, 0);
}

TEST_F(PoolKey, CheckNamesAMemberLackingTheKeyAndDifferentKeys) {
  const std::string conf = config("pk-differ");
  ASSERT_EQ(pool_key({"create", "--member", "a"}, conf).exit_code, 0);
  auto values = check_values(conf, 1);
  EXPECT_EQ(values["a"].size(), 16u);
  EXPECT_EQ(values["b"], "");
  const auto lacking = pool_key({"check"}, conf);
  EXPECT_EQ(lacking.exit_code, 1) << describe(lacking);
  EXPECT_NE(lacking.out.find("problem: no pool key on member(s) b"), std::string::npos) << lacking.out;

  const std::string key_file = write_test_file("pk-differ.key", std::string(kFallbackKey) + "\n");
  ASSERT_EQ(pool_key({"import", "--member", "b", "--key-file", key_file}, conf).exit_code, 0);
  values = check_values(conf, 1);
  EXPECT_EQ(values["b"].size(), 16u);
  EXPECT_NE(values["a"], values["b"]);
  const auto differ = pool_key({"check"}, conf);
  EXPECT_EQ(differ.exit_code, 1) << describe(differ);
  EXPECT_NE(differ.out.find("problem: the members hold different pool keys"), std::string::npos) << differ.out;
  // seal refuses a pool whose members disagree, and changes nothing.
  const auto seal = pool_key({"seal"}, conf);
  EXPECT_EQ(seal.exit_code, 1) << describe(seal);
  EXPECT_NE(seal.err.find("another pool key"), std::string::npos) << describe(seal);
}

TEST_F(PoolKey, CopyRefusesAMemberThatHasOne) {
  const std::string conf = config("pk-refuse");
  ASSERT_EQ(pool_key({"create", "--member", "a"}, conf).exit_code, 0);
  ASSERT_EQ(pool_key({"create", "--member", "b"}, conf).exit_code, 0);
  const auto before = check_values(conf, 1);
  const auto r = pool_key({"copy", "--from", "a", "--to", "b"}, conf);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("pool member b (token 'cli-pk-b') already holds a pool key"), std::string::npos) << describe(r);
  EXPECT_EQ(check_values(conf, 1), before);
  const auto again = pool_key({"create", "--member", "a"}, conf);
  EXPECT_EQ(again.exit_code, 1) << describe(again);
  EXPECT_EQ(objects_labelled(*a_, "sslp11-pool-key"), 1u);
}

// Lines of the recording module: made HANDLE token|session FUNCTION, destroyed HANDLE.
struct Ledger {
  std::set<std::string> session_made, destroyed;
  std::size_t key_pairs = 0;
};
Ledger read_ledger(const std::string& path) {
  Ledger l;
  std::ifstream f(path);
  for (std::string verb, handle; f >> verb >> handle;) {
    if (verb == "destroyed") {
      l.destroyed.insert(handle);
      continue;
    }
    std::string kind, function;
    f >> kind >> function;
    if (kind == "session") l.session_made.insert(handle);
    l.key_pairs += function == "C_GenerateKeyPair";
  }
  return l;
}

TEST_F(PoolKey, TheKeyEncryptionKeyIsDestroyedOnEveryPath) {
  const std::string conf = config("pk-ledger", SSLP11_LEDGER_SHIM);
  const std::string ledger = TestTokens::temp_dir() + "/pk-ledger.txt";
  const std::vector<std::string> shim{"SSLP11_LEDGER_MODULE=" + a_->spec.module_path, "SSLP11_LEDGER_FILE=" + ledger};
  ASSERT_EQ(pool_key({"create"}, conf, shim).exit_code, 0);

  // The unwrap on b fails: the key pair on b and the public key on a exist by then.
  std::remove(ledger.c_str());
  const auto failed = pool_key({"copy", "--from", "a", "--to", "b"}, conf, shim + Args{"SSLP11_LEDGER_FAIL=C_UnwrapKey"});
  EXPECT_EQ(failed.exit_code, 1) << describe(failed);
  EXPECT_NE(failed.err.find("CKR_DEVICE_ERROR"), std::string::npos) << describe(failed);
  Ledger l = read_ledger(ledger);
  EXPECT_EQ(l.key_pairs, 2u);              // public and private half
  EXPECT_GE(l.session_made.size(), 3u);    // and the public half made on a
  EXPECT_EQ(l.session_made, l.destroyed);  // every session object destroyed
  EXPECT_EQ(objects_labelled(*b_, "sslp11-pool-key"), 0u);

  std::remove(ledger.c_str());
  const auto copied = pool_key({"copy", "--from", "a", "--to", "b"}, conf, shim);
  ASSERT_EQ(copied.exit_code, 0) << describe(copied);
  l = read_ledger(ledger);
  EXPECT_GE(l.session_made.size(), 3u);
  EXPECT_EQ(l.session_made, l.destroyed);
  EXPECT_EQ(check_values(config("pk-ledger-plain"), 0).size(), 2u);
}

TEST_F(PoolKey, ImportFallbackNeverShowsTheKey) {
  const std::string conf = config("pk-import");
  const std::string key_file = write_test_file("pk-import.key", std::string(kFallbackKey) + "\n");
  std::string all_output;
  const auto imported = pool_key({"import", "--key-file", key_file}, conf);
  ASSERT_EQ(imported.exit_code, 0) << describe(imported);
  EXPECT_NE(imported.out.find("pool key imported on 2 member(s)"), std::string::npos) << imported.out;
  const auto checked = pool_key({"check", "--verbose"}, conf);
  EXPECT_EQ(checked.exit_code, 0) << describe(checked);
  const auto json = pool_key({"check", "--json"}, conf);
  for (const ptree& m : array(parse_json(json), "members")) EXPECT_FALSE(m.get<bool>("extractable")) << json.out;
  // A sealed key cannot be copied; importing again is refused.
  const auto copy = pool_key({"copy", "--from", "a", "--to", "b"}, conf);
  EXPECT_EQ(copy.exit_code, 1) << describe(copy);
  const auto again = pool_key({"import", "--key-file", key_file, "--member", "b"}, conf);
  EXPECT_EQ(again.exit_code, 1) << describe(again);
  for (const AdminResult* r : {&imported, &checked, &json, &copy, &again}) {
    std::string text = r->out + r->err;
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_EQ(text.find(kFallbackKey), std::string::npos) << describe(*r);
    EXPECT_EQ(text.find(std::string(kFallbackKey).substr(0, 16)), std::string::npos) << describe(*r);
  }
}

TEST_F(PoolKey, ImportRefusesAReadableOrMalformedKeyFile) {
  const std::string conf = config("pk-import-refused");
  for (unsigned mode : {0644u, 0640u, 0604u}) {
    const std::string file = write_test_file("pk-open.key", std::string(kFallbackKey) + "\n", mode);
    const auto r = pool_key({"import", "--key-file", file}, conf);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find("gives group or others access to it"), std::string::npos) << describe(r);
  }
  for (const std::string& text : {std::string("0011"), std::string(kFallbackKey) + "00", std::string(64, 'x')}) {
    const auto r = pool_key({"import", "--key-file", write_test_file("pk-bad.key", text)}, conf);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find("64 hex digits"), std::string::npos) << describe(r);
  }
  EXPECT_EQ(objects_labelled(*a_, "sslp11-pool-key"), 0u);
  EXPECT_EQ(objects_labelled(*b_, "sslp11-pool-key"), 0u);
}

TEST_F(PoolKey, TheNssMemberWithoutADatabaseIsRefusedByName) {
  const std::string conf = config("pk-nss");
  ASSERT_EQ(pool_key({"create", "--pool", "mixed"}, conf).exit_code, 0);
  for (const Args& args : {Args{"create", "--pool", "mixed", "--member", "n"},
                           Args{"copy", "--pool", "mixed", "--from", "a", "--to", "n"}}) {
    const auto r = pool_key(args, conf);
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << describe(r);
    EXPECT_NE(r.err.find("pool member n: its token is write-protected, so it cannot hold the pool key"),
              std::string::npos)
        << describe(r);
  }
  // check reads the NSS member (no key there) and fails the pool.
  const auto r = pool_key({"check", "--pool", "mixed"}, conf);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("problem: no pool key on member(s) n"), std::string::npos) << r.out;
}

TEST_F(PoolKey, UsageErrors) {
  const std::string conf = config("pk-usage");
  const std::string lone = a_->write_config("pk-lone");
  for (const Args& args :
       {Args{"pool-key", "--config", conf}, Args{"pool-key", "frobnicate", "--config", conf},
        Args{"pool-key", "create", "--member", "zz", "--config", conf},
        Args{"pool-key", "copy", "--from", "a", "--to", "zz", "--config", conf},
        Args{"pool-key", "copy", "--from", "a", "--to", "a", "--config", conf},
        Args{"pool-key", "copy", "--from", "a", "--config", conf},
        Args{"pool-key", "check", "--member", "a", "--config", conf},
        Args{"pool-key", "create", "--json", "--config", conf},
        Args{"pool-key", "import", "--config", conf},
        Args{"pool-key", "check", "--pool", "nope", "--config", conf},
        Args{"pool-key", "check", "--token", "a", "--config", conf}, Args{"pool-key", "check", "--config", lone}}) {
    const auto r = run_admin(args, env());
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  }
  const auto unknown = run_admin({"pool-key", "create", "--member", "zz", "--config", conf}, env());
  EXPECT_NE(unknown.err.find("--member zz is not a member of [pool.farm]"), std::string::npos) << describe(unknown);
}

}  // namespace
}  // namespace sslp11::test
