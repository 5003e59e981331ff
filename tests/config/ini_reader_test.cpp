#include "config/ini_reader.h"

#include <gtest/gtest.h>

#include "config/config_error.h"

namespace sslp11::config {
namespace {

const std::string kFile = "test.conf";

ConfigError read_error(std::string_view text) {
  try {
    read_ini(text, kFile);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ConfigError("", 0, "", "");
}

TEST(IniReader, SectionsEntriesAndLines) {
  const auto doc = read_ini(
      "# comment\n"
      "; another comment\n"
      "\n"
      "[provider]\n"
      "  log-level   =   debug  \n"
      "[token.hsm]\n"
      "\tmodule\t=\t/usr/lib/x.so\t\n"
      "empty =\n",
      kFile);
  ASSERT_EQ(doc.sections.size(), 2u);
  EXPECT_EQ(doc.sections[0].name, "provider");
  EXPECT_EQ(doc.sections[0].line, 4);
  ASSERT_EQ(doc.sections[0].entries.size(), 1u);
  EXPECT_EQ(doc.sections[0].entries[0].key, "log-level");
  EXPECT_EQ(doc.sections[0].entries[0].value(), "debug");
  EXPECT_EQ(doc.sections[0].entries[0].line, 5);
  EXPECT_EQ(doc.sections[1].name, "token.hsm");
  EXPECT_EQ(doc.sections[1].line, 6);
  ASSERT_EQ(doc.sections[1].entries.size(), 2u);
  EXPECT_EQ(doc.sections[1].find("module")->value(), "/usr/lib/x.so");
  EXPECT_EQ(doc.sections[1].find("module")->line, 7);
  EXPECT_EQ(doc.sections[1].find("empty")->value(), "");
  EXPECT_EQ(doc.sections[1].find("absent"), nullptr);
}

TEST(IniReader, CrlfBomAndMissingFinalNewline) {
  const auto doc = read_ini("\xEF\xBB\xBF[a]\r\nk = v\r\n\r\nk2 = w", kFile);
  ASSERT_EQ(doc.sections.size(), 1u);
  EXPECT_EQ(doc.sections[0].find("k")->value(), "v");
  EXPECT_EQ(doc.sections[0].find("k2")->value(), "w");
  EXPECT_EQ(doc.sections[0].find("k2")->line, 4);
}

TEST(IniReader, CommentsTakeWholeLinesOnly) {
  const auto doc = read_ini("[a]\nk = x # not a comment ; nor this\n", kFile);
  EXPECT_EQ(doc.sections[0].find("k")->value(), "x # not a comment ; nor this");
}

TEST(IniReader, ValueMayContainEquals) {
  const auto doc = read_ini("[a]\nuri = pkcs11:token=My%20Token;serial=1\n", kFile);
  EXPECT_EQ(doc.sections[0].find("uri")->value(), "pkcs11:token=My%20Token;serial=1");
}

TEST(IniReader, QuotedValues) {
  const auto doc = read_ini(
      "[a]\n"
      "nss = \"configdir='' certPrefix='' flags=noCertDB,readOnly\"\n"
      "blanks = \"  padded  \"\n"
      "escapes = \"say \\\"hi\\\" \\\\ \\n\"\n"
      "empty = \"\"\n"
      "inner = a\"b\"\n"
      "single = 'kept'\n",
      kFile);
  const auto& s = doc.sections[0];
  EXPECT_EQ(s.find("nss")->value(), "configdir='' certPrefix='' flags=noCertDB,readOnly");
  EXPECT_EQ(s.find("blanks")->value(), "  padded  ");
  EXPECT_EQ(s.find("escapes")->value(), "say \"hi\" \\ \\n");  // only \" and \\ are escapes
  EXPECT_EQ(s.find("empty")->value(), "");
  EXPECT_EQ(s.find("inner")->value(), "a\"b\"");  // quotes matter only at the start
  EXPECT_EQ(s.find("single")->value(), "'kept'");
}

TEST(IniReader, LineThatIsNotKeyValueNamesItsLine) {
  const auto e = read_error("[a]\nk = v\nthis line has no equals sign\n");
  EXPECT_EQ(e.file(), kFile);
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.key(), "");
  EXPECT_STREQ(e.what(), "test.conf:3: expected '[section]', 'key = value' or a comment starting with '#' or ';'");
}

TEST(IniReader, KeyOutsideSection) {
  const auto e = read_error("# top\nmodule = /x.so\n[a]\n");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.key(), "module");
  EXPECT_NE(std::string(e.what()).find("test.conf:2: key 'module': appears before any section"), std::string::npos)
      << e.what();
}

TEST(IniReader, DuplicateKey) {
  const auto e = read_error("[token.a]\nlabel = x\n\nlabel = y\n");
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.key(), "label");
  EXPECT_STREQ(e.what(), "test.conf:4: key 'label' in [token.a]: set twice (first at line 2); keep one");
}

TEST(IniReader, DuplicateSection) {
  const auto e = read_error("[a]\n[b]\n[a]\n");
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(std::string(e.what()).find("section [a] appears twice (first at line 1)"), std::string::npos);
}

TEST(IniReader, BadSectionHeaders) {
  EXPECT_EQ(read_error("[a]\n[b\n").line(), 2);
  EXPECT_EQ(read_error("[]\n").line(), 1);
  EXPECT_EQ(read_error("[a b]\n").line(), 1);
  EXPECT_EQ(read_error("[a] # comment\n").line(), 1);
}

TEST(IniReader, BadKeys) {
  EXPECT_EQ(read_error("[a]\n = v\n").line(), 2);
  const auto e = read_error("[a]\n\nmy key = v\n");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(std::string(e.what()).find("my key"), std::string::npos) << "the line is never quoted";
}

TEST(IniReader, BadQuotes) {
  auto e = read_error("[a]\nk = \"unterminated\n");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.key(), "k");
  EXPECT_NE(std::string(e.what()).find("missing closing double quote"), std::string::npos);
  e = read_error("[a]\nk = \"x\" trailing\n");
  EXPECT_EQ(e.line(), 2);
  EXPECT_NE(std::string(e.what()).find("after the closing double quote"), std::string::npos);
  EXPECT_EQ(std::string(e.what()).find("trailing"), std::string::npos);
}

}  // namespace
}  // namespace sslp11::config
