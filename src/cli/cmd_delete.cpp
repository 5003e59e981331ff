// sslp11-admin delete: destroy objects, after confirmation on the terminal.
#include <unistd.h>

#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/object_query.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "delete", "(--label L | --id HEX | --uri URI) [--type TYPE] [--yes] [options]",
    "Delete the objects matching --label, --id and/or --uri (all given criteria must match).",
    "Lists what matches and asks for confirmation on the terminal; --yes skips the question.\n"
    "Without a terminal (scripts, cron) and without --yes it refuses (exit 2).\n\n"
    "example: sslp11-admin delete --label old-web --type cert\n"
    "         sslp11-admin delete --uri 'pkcs11:object=old-web;type=private' --yes"};

// Reads y/N from the terminal on stdin.
bool confirm(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

}  // namespace

int cmd_delete(const CommandArgs& args) {
  GlobalOptions global;
  ObjectSelection selection;
  bool yes = false;
  po::options_description own("delete options");
  selection.add_to(own);
  own.add_options()("yes,y", po::bool_switch(&yes), "do not ask for confirmation");
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  if (selection.label.empty() && selection.id.empty() && selection.uri.empty()) {
    throw UsageError("say what to delete with --label, --id or --uri");
  }
  // A --uri that names its module and token is a whole target, as for `objects`.
  const Target target = resolve_target(global, selection.uri);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";
  const auto session = open_user_session(target);

  const auto handles = find_objects(*session, selection);
  if (handles.empty()) {
    throw OperationError("no object on token '" + session->label() + "' matches " + selection.describe());
  }
  std::vector<ObjectInfo> objects;
  for (CK_OBJECT_HANDLE h : handles) objects.push_back(describe_object(*session, h));
  if (!yes) {
    if (::isatty(STDIN_FILENO) == 0) {
      throw UsageError("refusing to delete " + std::to_string(objects.size()) +
                       " object(s) without confirmation: no terminal to ask on; pass --yes");
    }
    std::cerr << "about to delete from token '" << session->label() << "':\n";
    for (const auto& o : objects) {
      std::cerr << "  " << class_name(o.object_class) << " label '" << o.label << "' id " << hex(o.id) << "\n";
    }
    if (!confirm("delete these " + std::to_string(objects.size()) + " object(s)?")) {
      throw OperationError("not confirmed; nothing deleted");
    }
  }
  for (const auto& o : objects) session->api().C_DestroyObject(session->handle(), o.handle);

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object().field("token", session->label()).key("deleted").begin_array();
    for (const auto& o : objects) {
      j.begin_object().field("class", class_name(o.object_class)).field("label", o.label).field("id", hex(o.id));
      j.end_object();
    }
    j.end_array().end_object();
  } else {
    std::cout << "deleted " << objects.size() << " object(s) from token '" << session->label() << "'\n";
  }
  return kExitOk;
}

}  // namespace sslp11::cli
