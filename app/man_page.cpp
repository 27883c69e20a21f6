#include "man_page.hpp"

#include <cstdio>
#include <sstream>

namespace upsample::app {

namespace {

// Text as roff reads it: backslashes escaped, hyphens as minus signs (what a user types),
// a leading '.' or '\'' kept from being read as a request, and characters beyond ASCII
// ("σ", "×") as \[uXXXX], which groff reads without a UTF-8 preprocessor.
std::string roff_text(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c >= 0x80) {
      const int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
      unsigned code = c & (0x3Fu >> extra);
      for (int k = 0; k < extra && i + 1 < text.size(); ++k) code = (code << 6) | (static_cast<unsigned char>(text[++i]) & 0x3Fu);
      char escaped[16];
      std::snprintf(escaped, sizeof escaped, "\\[u%04X]", code);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
    line_start = c == '\n';
  }
  return out;
}

std::string option_entry(const OptionFacts& o) {
  std::string head;
  if (!o.positional.empty()) {
    head = "\\fI" + roff_text(o.positional) + "\\fR" + (o.many ? "..." : "");
  } else {
    for (size_t i = 0; i < o.names.size(); ++i) head += (i ? ", " : "") + std::string("\\fB") + roff_text(o.names[i]) + "\\fR";
    if (o.takes_value) head += " \\fI" + roff_text(o.type) + "\\fR";
  }
  std::string body = roff_text(o.description);
  if (!o.values.empty()) {
    std::string values;
    for (size_t i = 0; i < o.values.size(); ++i) values += (i ? ", " : "") + o.values[i];
    body += "\n.br\nValues: " + roff_text(values) + ".";
  }
  if (!o.default_value.empty()) body += "\n.br\nDefault: " + roff_text(o.default_value) + ".";
  return ".TP\n" + head + "\n" + body + "\n";
}

std::string options_of(const CommandFacts& c) {
  std::string s;
  for (const auto& p : c.positionals) s += option_entry(p);
  for (const auto& o : c.options) s += option_entry(o);
  return s;
}

}  // namespace

std::string man_page(const std::vector<CommandFacts>& tree, const std::string& version, const std::string& footer) {
  const CommandFacts& main_job = tree.front();
  const std::string program = main_job.name;
  std::string upper;
  for (const char c : program) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  std::string s = ".\\\" Made by '" + program + " man' from its option definitions.\n";
  s += ".TH " + upper + " 1 \"\" \"" + roff_text(program + " " + version) + "\" \"User Commands\"\n";
  s += ".SH NAME\n" + program + " \\- " + roff_text(main_job.description.substr(main_job.description.find(": ") + 2)) + "\n";
  s += ".SH SYNOPSIS\n";
  s += ".B " + program + "\n[\\fIOPTIONS\\fR] \\fIINPUT\\fR...\n.br\n";
  s += ".B " + program + "\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n";
  s += ".SH DESCRIPTION\nWithout a command, " + program +
       " upscales the image files and folders it is given (the main job, its options below). The commands:\n";
  for (size_t i = 1; i < tree.size(); ++i) s += ".TP\n.B " + tree[i].name + "\n" + roff_text(tree[i].description) + "\n";
  s += ".SH OPTIONS\n" + options_of(main_job);
  s += ".SH COMMANDS\n";
  for (size_t i = 1; i < tree.size(); ++i) {
    s += ".SS \"" + program + " " + tree[i].name + "\"\n" + roff_text(tree[i].description) + "\n";
    s += options_of(tree[i]);
  }
  // The footer: "Examples:" lines, then the exit status and a last word; kept as typed.
  std::istringstream lines(footer);
  std::string line;
  std::string section;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line == "Examples:") {
      s += ".SH EXAMPLES\n.nf\n";
      section = "examples";
      continue;
    }
    if (line.starts_with("Exit status:")) {
      if (section == "examples") s += ".fi\n";
      s += ".SH EXIT STATUS\n";
      section = "exit";
    }
    s += roff_text(line) + "\n";
  }
  if (section == "examples") s += ".fi\n";
  s += ".SH SEE ALSO\n" + program + " \\-\\-help, " + program + " \\fICOMMAND\\fR \\-\\-help\n";
  return s;
}

}  // namespace upsample::app
