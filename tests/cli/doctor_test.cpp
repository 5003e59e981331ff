// `sslp11-admin doctor` and `bench` on a configured SoftHSMv2 token (composed
// derivation) and NSS softoken (native), and the documented one-line errors
// for broken configurations.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <openssl/core_names.h>

#include <initializer_list>

#include "cli/support/admin_runner.h"
#include "cli/support/openssl_keys.h"
#include "pkcs11/attributes.h"
#include "pkcs11/session.h"
#include "pkcs11/token.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

struct DoctorCase {
  std::string token;  // "softhsm" or "nss"
  std::string path;   // derivation path the self-test must exercise
};

void PrintTo(const DoctorCase& c, std::ostream* os) { *os << c.token; }

class Doctor : public ::testing::TestWithParam<DoctorCase> {
 protected:
  AdminToken make_token() const {
    return GetParam().token == "nss" ? AdminToken(TestTokens::nss()) : AdminToken("cli-doctor");
  }
};

TEST_P(Doctor, PassesAndSaysWhichPathItExercised) {
  const AdminToken t = make_token();
  const std::string conf = t.write_config("doc");
  const auto text = run_admin({"doctor", "--verbose", "--config", conf}, t.env());
  ASSERT_EQ(text.exit_code, 0) << describe(text);
  EXPECT_NE(text.out.find("derivation  " + GetParam().path), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("path exercised: " + GetParam().path), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("master secret: 48 bytes agree"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("result      OK"), std::string::npos) << text.out;

  const auto json = run_admin({"doctor", "--json", "--config", conf}, t.env());
  ASSERT_EQ(json.exit_code, 0) << describe(json);
  const ptree d = parse_json(json);
  EXPECT_TRUE(d.get<bool>("ok"));
  EXPECT_EQ(d.get<std::string>("derivation"), GetParam().path);
  EXPECT_TRUE(d.get<bool>("self_test.passed"));
  EXPECT_FALSE(d.get<bool>("self_test.skipped"));
  EXPECT_EQ(d.get<std::string>("self_test.path"), GetParam().path);
  EXPECT_EQ(d.get<std::string>("provider.status"), "ok") << json.out;
  EXPECT_FALSE(array(d, "offered").empty());
  EXPECT_FALSE(array(d, "evidence").empty());
  // Every suite sslp11 knows is either offered or comes with a reason.
  for (const auto& n : array(d, "not_offered")) EXPECT_FALSE(n.get<std::string>("reason").empty());
}

TEST_P(Doctor, ConfiguredSuitesNarrowWhatIsOffered) {
  const AdminToken t = make_token();
  const std::string conf = t.write_config("narrow", "cipher-suites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  const auto json = run_admin({"doctor", "--json", "--config", conf}, t.env());
  ASSERT_EQ(json.exit_code, 0) << describe(json);
  const ptree d = parse_json(json);
  const auto offered = array(d, "offered");
  ASSERT_EQ(offered.size(), 1u) << json.out;
  EXPECT_EQ(offered[0].data(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  bool disabled = false;
  for (const auto& n : array(d, "not_offered")) {
    if (n.get<std::string>("reason").find("not enabled in the configuration") != std::string::npos) disabled = true;
  }
  EXPECT_TRUE(disabled) << json.out;
}

TEST_P(Doctor, BenchMeasuresSessionKeys) {
  const AdminToken t = make_token();
  const std::string conf = t.write_config("bench");
  const auto r = run_admin({"bench", "--seconds", "0.2", "--json", "--config", conf}, t.env());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const ptree b = parse_json(r);
  EXPECT_GT(b.get<double>("session_keys.operations"), 0) << r.out;
  EXPECT_GT(b.get<double>("session_keys.per_second"), 0) << r.out;
  EXPECT_EQ(b.get<std::string>("derivation"), GetParam().path);
  // Records are measured when the provider implements them; otherwise said so, not failed.
  if (!b.get<bool>("records.available")) {
    EXPECT_FALSE(b.get<std::string>("records.reason").empty()) << r.out;
    const auto text = run_admin({"bench", "--seconds", "0.1", "--config", conf}, t.env());
    EXPECT_NE(text.out.find("records: not available"), std::string::npos) << text.out;
  } else {
    EXPECT_GT(b.get<double>("records.encrypt_per_second"), 0) << r.out;
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, Doctor,
                         ::testing::Values(DoctorCase{"softhsm", "composed"}, DoctorCase{"nss", "native"}),
                         [](const auto& info) { return info.param.token; });

// Issue 16: doctor's exit status follows its checks, its summary names each
// problem, and its JSON never calls a skipped check passed.
const ptree* finding(const std::vector<ptree>& findings, const std::string& severity, const std::string& part) {
  for (const auto& f : findings) {
    if (f.get<std::string>("severity") == severity && f.get<std::string>("text").find(part) != std::string::npos) {
      return &f;
    }
  }
  return nullptr;
}

TEST(DoctorFindings, OnlySuiteCannotRunOnEveryCurveAndTheSelfTestIsSkipped) {
  // SoftHSM's CKM_SHA384_HMAC wants 48-byte keys; a P-256 pre-master has 32.
  const AdminToken t("cli-doc-sha384");
  const std::string conf = t.write_config("sha384", "cipher-suites = TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  const auto text = run_admin({"doctor", "--config", conf}, t.env());
  EXPECT_EQ(text.exit_code, 1) << describe(text);
  EXPECT_EQ(text.out.find("result      OK"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("result      1 problem(s)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("problem: no offered cipher suite runs on every curve"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("warning: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 cannot run on nistP256"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("CKM_SHA384_HMAC needs keys of at least 48 bytes"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("warning: the key schedule self-test was skipped"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("self-test   skipped (not passed)"), std::string::npos) << text.out;

  const auto json = run_admin({"doctor", "--json", "--config", conf}, t.env());
  EXPECT_EQ(json.exit_code, 1) << describe(json);
  const ptree d = parse_json(json);
  EXPECT_FALSE(d.get<bool>("ok"));
  EXPECT_EQ(d.get<int>("problems"), 1) << json.out;
  EXPECT_EQ(d.get<std::string>("self_test.status"), "skipped");
  EXPECT_TRUE(d.get<bool>("self_test.skipped"));
  EXPECT_FALSE(d.get<bool>("self_test.passed")) << "a skipped self-test is not a passed one";
  const auto findings = array(d, "findings");
  EXPECT_NE(finding(findings, "problem", "no offered cipher suite runs on every curve"), nullptr) << json.out;
  EXPECT_NE(finding(findings, "warning", "self-test was skipped"), nullptr) << json.out;
  const auto curves = array(d, "suite_curves");
  ASSERT_EQ(curves.size(), 1u) << json.out;
  EXPECT_EQ(array(curves[0], "fails_on").at(0).get<std::string>("curve"), "nistP256") << json.out;
  EXPECT_FALSE(array(curves[0], "runs_on").empty()) << "P-384 has a 48-byte pre-master: " << json.out;
}

TEST(DoctorFindings, CertificateWithoutItsPrivateKey) {
  const AdminToken t("cli-doc-nokey");
  const OpenSslKey key("ec:P-256", "nokey.example.test");
  const std::string cert = write_test_file("nokey.pem", key.certificate_pem());
  const auto imported = run_admin(Args{"import", "--cert", cert, "--label", "orphan"} + t.user(), t.env());
  ASSERT_EQ(imported.exit_code, 0) << describe(imported);
  const std::string conf = t.write_config("nokey");
  const auto text = run_admin({"doctor", "--config", conf}, t.env());
  EXPECT_EQ(text.exit_code, 1) << describe(text);
  EXPECT_NE(text.out.find("problem: certificate 'orphan'"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("has no private key"), std::string::npos) << text.out;
  const auto json = run_admin({"doctor", "--json", "--config", conf}, t.env());
  EXPECT_EQ(json.exit_code, 1) << describe(json);
  EXPECT_NE(finding(array(parse_json(json), "findings"), "problem", "certificate 'orphan'"), nullptr) << json.out;
}

// Objects put on `t`'s token directly (logged in as its user), as another
// tool might: what sslp11-admin import would refuse to make.
void create_objects(const AdminToken& t, std::initializer_list<p11::AttributeTemplate*> objects) {
  auto module = p11::Module::load(t.spec.module_path, t.spec.init_args);
  const CK_SLOT_ID slot = p11::select_token(*module, [&] {
                            p11::TokenSelector s;
                            s.label = t.spec.label;
                            return s;
                          }()).id;
  p11::Session session(module, slot);
  session.login(CKU_USER, p11::Pin(t.spec.user_pin));
  for (auto* o : objects) session.api().C_CreateObject(session.handle(), o->span());
}

// An X.509 certificate object with the fields doctor reads.
p11::AttributeTemplate certificate_object(const std::string& label, std::uint8_t id, const Bytes& subject,
                                          const Bytes& der) {
  p11::AttributeTemplate cert;
  cert.add_ulong(CKA_CLASS, CKO_CERTIFICATE)
      .add_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
      .add_bool(CKA_TOKEN, true)
      .add_string(CKA_LABEL, label)
      .add_bytes(CKA_ID, std::vector<std::uint8_t>{id})
      .add_bytes(CKA_SUBJECT, subject)
      .add_bytes(CKA_VALUE, der);
  return cert;
}

TEST(DoctorFindings, CertificateOpenSslCannotParse) {
  const AdminToken t("cli-doc-badcert");
  const OpenSslKey key("ec:P-256", "badcert.example.test");
  // import refuses such a certificate, so it is put there directly.
  auto cert = certificate_object("broken", 0x42, key.subject_der(), certificate_openssl_refuses(key));
  create_objects(t, {&cert});
  const auto json = run_admin({"doctor", "--json", "--config", t.write_config("badcert")}, t.env());
  EXPECT_EQ(json.exit_code, 1) << describe(json);
  const ptree d = parse_json(json);
  EXPECT_NE(finding(array(d, "findings"), "problem", "certificate 'broken' id 42 cannot be parsed"), nullptr)
      << json.out;
  const auto keys = array(d, "keys");
  ASSERT_EQ(keys.size(), 1u) << json.out;
  EXPECT_FALSE(keys[0].get<bool>("parsed"));
}

// A private key another tool left readable (not sensitive, extractable) is
// named as a warning: doctor still exits 0, the provider can use it.
TEST(DoctorFindings, ExtractableOrNonSensitiveKeyIsAWarning) {
  const AdminToken t("cli-doc-loose");
  const OpenSslKey key("ec:P-256", "loose.example.test");
  const std::vector<std::uint8_t> p256_oid{0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
  const std::string label = "loose";
  p11::AttributeTemplate priv;
  priv.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_EC)
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, false)
      .add_bool(CKA_EXTRACTABLE, true)
      .add_bool(CKA_SIGN, true)
      .add_string(CKA_LABEL, label)
      .add_bytes(CKA_ID, std::vector<std::uint8_t>{0x77})
      .add_bytes(CKA_EC_PARAMS, p256_oid)
      .add_bytes(CKA_VALUE, key.bn_param(OSSL_PKEY_PARAM_PRIV_KEY));
  auto cert = certificate_object(label, 0x77, key.subject_der(), key.certificate_der());
  create_objects(t, {&priv, &cert});
  const auto json = run_admin({"doctor", "--json", "--config", t.write_config("loose")}, t.env());
  EXPECT_EQ(json.exit_code, 0) << describe(json);
  const ptree d = parse_json(json);
  const auto findings = array(d, "findings");
  const ptree* w = finding(findings, "warning", "certificate 'loose' id 77: the private key is");
  ASSERT_NE(w, nullptr) << json.out;
  EXPECT_NE(w->get<std::string>("text").find("NOT sensitive, EXTRACTABLE"), std::string::npos) << json.out;
}

// A `p11-kit server` exporting one token on a private Unix socket, for as
// long as the object lives (it inherits this process's SOFTHSM2_CONF).
class P11KitServer {
 public:
  P11KitServer(const std::string& module, const std::string& token_uri)
      : socket_(TestTokens::temp_dir() + "/p11-kit-server-" + std::to_string(::getpid())) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
      ::execl(kP11Kit, "p11-kit", "server", "-f", "--provider", module.c_str(), "-n", socket_.c_str(),
              token_uri.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && ::access(socket_.c_str(), F_OK) != 0; ++i) ::usleep(50'000);
  }
  ~P11KitServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  P11KitServer(const P11KitServer&) = delete;
  P11KitServer& operator=(const P11KitServer&) = delete;

  bool listening() const { return pid_ > 0 && ::access(socket_.c_str(), F_OK) == 0; }
  std::string address() const { return "unix:path=" + socket_; }

  static constexpr const char* kP11Kit = "/usr/bin/p11-kit";

 private:
  std::string socket_;
  pid_t pid_ = -1;
};

// Issue 16: through p11-kit's client module doctor says what p11-kit's RPC
// cannot carry, next to the module and in the summary.
TEST(DoctorFindings, P11KitClientModuleIsNamed) {
  const std::string client = "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so";
  if (::access(client.c_str(), R_OK) != 0 || ::access(P11KitServer::kP11Kit, X_OK) != 0) {
    GTEST_SKIP() << "p11-kit or its client module is not installed";
  }
  const AdminToken t("cli-doc-remote");
  const P11KitServer server(t.spec.module_path, "pkcs11:token=cli-doc-remote");
  ASSERT_TRUE(server.listening()) << "p11-kit server did not start";
  const std::string conf = write_test_file(
      "remote.conf", "[token.remote]\nmodule = " + client + "\nuri = pkcs11:token=cli-doc-remote\npin = env:" +
                         t.user_pin_var + "\n");
  const auto env = t.env() + std::vector<std::string>{"P11_KIT_SERVER_ADDRESS=" + server.address()};
  const auto text = run_admin({"doctor", "--config", conf}, env);
  EXPECT_TRUE(text.exit_code == 0 || text.exit_code == 1) << describe(text);
  EXPECT_NE(text.out.find("WARNING: p11-kit's RPC client module"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("warning: p11-kit's RPC client module"), std::string::npos) << text.out;
  const auto json = run_admin({"doctor", "--json", "--config", conf}, env);
  const ptree d = parse_json(json);
  EXPECT_NE(d.get<std::string>("module_note", "").find("does not forward"), std::string::npos) << json.out;
  EXPECT_NE(finding(array(d, "findings"), "warning", "p11-kit's RPC client module"), nullptr) << json.out;
  // No suite offered is a problem of its own, and exits 1.
  if (array(d, "offered").empty()) {
    EXPECT_EQ(json.exit_code, 1) << describe(json);
    EXPECT_NE(finding(array(d, "findings"), "problem", "offers no cipher suite"), nullptr) << json.out;
  }
}

TEST(DoctorRefusals, NativeOnlyPolicyOnSoftHsm) {
  const AdminToken t("cli-native-only");
  const auto r = run_admin({"doctor", "--config", t.write_config("n", "derivation = native-only")}, t.env());
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("native-only"), std::string::npos) << r.err;
}

TEST(DoctorRefusals, PromptPinIsFineForDoctorButNotForTheProvider) {
  // doctor can type the PIN (here: --pin-source), but the provider cannot prompt.
  const AdminToken t("cli-prompt");
  const std::string conf = write_test_file(
      "prompt.conf", "[token.p]\nmodule = " + t.spec.module_path + "\nlabel = " + t.spec.label + "\npin = prompt\n");
  const auto r = run_admin({"doctor", "--json", "--config", conf, "--pin-source", "env:" + t.user_pin_var}, t.env());
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  const ptree d = parse_json(r);
  EXPECT_TRUE(d.get<bool>("self_test.passed"));
  EXPECT_EQ(d.get<std::string>("provider.status"), "failed");
  EXPECT_NE(d.get<std::string>("provider.detail").find("prompt"), std::string::npos) << r.out;
}

TEST(DoctorRefusals, WrongPinInTheConfig) {
  const AdminToken t("cli-doc-pin");
  const auto r = run_admin({"doctor", "--config", t.write_config("w")},
                           std::vector<std::string>{t.user_pin_var + "=wrong-pin-5150"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("CKR_PIN_INCORRECT"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("token PIN flags now:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("wrong-pin-5150"), std::string::npos) << r.err;
}

// The documented one-line errors of a broken configuration (exit 2) or of a
// token that is not there (exit 1).
struct BadConfig {
  std::string name;
  std::string text;  // "MODULE", "LABEL" and "PINVAR" are replaced
  int exit_code;
  std::string message;  // a part of the one-line error
  unsigned pin_file_mode = 0;
};

void PrintTo(const BadConfig& c, std::ostream* os) { *os << c.name; }

class BrokenConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BrokenConfig, GivesTheDocumentedError) {
  const AdminToken t("cli-broken");
  const BadConfig& c = GetParam();
  std::string text = c.text;
  auto replace = [&text](const std::string& what, const std::string& with) {
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
      text.replace(at, what.size(), with);
    }
  };
  if (c.pin_file_mode != 0) replace("PINFILE", write_test_file("pin", t.spec.user_pin + "\n", c.pin_file_mode));
  replace("MODULE", t.spec.module_path);
  replace("LABEL", t.spec.label);
  replace("PINVAR", t.user_pin_var);
  const std::string conf = write_test_file(c.name + ".conf", text);
  for (const char* command : {"objects", "doctor"}) {
    const auto r = run_admin({command, "--config", conf}, t.env());
    EXPECT_EQ(r.exit_code, c.exit_code) << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << describe(r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << describe(r);
    EXPECT_EQ(r.err.find(t.spec.user_pin), std::string::npos) << describe(r);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, BrokenConfig,
    ::testing::Values(
        BadConfig{"syntax", "[token.web\nmodule = MODULE\n", 2, ".conf:1: a section header must be"},
        BadConfig{"unknown_key", "[token.web]\nmodule = MODULE\nlabel = LABEL\ncolour = blue\n", 2,
                  ".conf:4: key 'colour' in [token.web]: unknown key"},
        BadConfig{"pin_file_0644", "[token.web]\nmodule = MODULE\nlabel = LABEL\npin = file:PINFILE\n", 2,
                  "has mode 0644", 0644},
        BadConfig{"missing_module",
                  "[token.web]\nmodule = /nonexistent/libpkcs11.so\nlabel = LABEL\npin = env:PINVAR\n", 2,
                  "cannot load PKCS#11 module /nonexistent/libpkcs11.so"},
        BadConfig{"no_matching_token", "[token.web]\nmodule = MODULE\nlabel = no-such-token\npin = env:PINVAR\n", 1,
                  "no token matches label 'no-such-token'"},
        BadConfig{"relative_module", "[token.web]\nmodule = lib/libsofthsm2.so\nlabel = LABEL\n", 2,
                  "key 'module' in [token.web]: PKCS#11 module 'lib/libsofthsm2.so': a path must be absolute"}),
    [](const auto& info) { return info.param.name; });

TEST(ConfigLookup, MissingExplicitConfigIsAUsageError) {
  const auto r = run_admin({"doctor", "--config", "/nonexistent/sslp11.conf"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("/nonexistent/sslp11.conf"), std::string::npos) << r.err;
}

TEST(ConfigLookup, NoConfigAnywhere) {
  const std::string empty_home = TestTokens::temp_dir() + "/no-home";
  const auto r = run_admin({"objects"}, {"SSLP11_CONF=", "XDG_CONFIG_HOME=" + empty_home, "HOME=" + empty_home});
  // /etc/sslp11/sslp11.conf may exist on a developer machine; on CI it does not.
  if (r.exit_code != 2) GTEST_SKIP() << "a system-wide config exists: " << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("--module"), std::string::npos) << r.err;
}

TEST(BenchRefusals, NeedsTheProvidersOwnToken) {
  const AdminToken t("cli-bench-ref");
  const auto module = run_admin(Args{"bench", "--seconds", "0.1"} + t.user(), t.env());
  EXPECT_EQ(module.exit_code, 2) << describe(module);
  const auto seconds = run_admin({"bench", "--seconds", "100", "--config", t.write_config("b")}, t.env());
  EXPECT_EQ(seconds.exit_code, 2) << describe(seconds);
}

}  // namespace
}  // namespace sslp11::test
