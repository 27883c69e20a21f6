#include "shell_completion.hpp"

#include <stdexcept>

namespace upsample::app {

namespace {

// `text` inside single quotes for sh, zsh and bash.
std::string sh_single_quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `text` inside single quotes for fish, where a backslash escapes too.
std::string fish_single_quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// A description cut to its first clause, one line: shells show it beside the word.
std::string short_description(const std::string& text) {
  size_t end = text.size();
  for (const char* stop : {". ", "; ", " (", ": ", "\n"}) end = std::min(end, text.find(stop));
  std::string line = text.substr(0, end);
  if (line.size() > 70) line = line.substr(0, 67) + "...";
  return line;
}

std::string joined(const std::vector<std::string>& words, const std::string& separator = " ") {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) out += (i ? separator : "") + words[i];
  return out;
}

std::vector<std::string> subcommand_names(const std::vector<CommandFacts>& tree) {
  std::vector<std::string> names;
  for (size_t i = 1; i < tree.size(); ++i) names.push_back(tree[i].name);
  return names;
}

bool takes_files(const CommandFacts& command) {
  for (const auto& p : command.positionals)
    if (p.path) return true;
  return false;
}

std::string bash_script(const std::vector<CommandFacts>& tree) {
  const std::string program = tree.front().name;
  const std::string function = "_" + program;
  std::string s = "# bash completion for " + program + ", made by '" + program +
                  " completion bash' from its option definitions\n";
  s += function + "() {\n";
  s += "    local cur=${COMP_WORDS[COMP_CWORD]} prev= command= options= words= files= i\n";
  s += "    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n";
  s += "    for (( i = 1; i < COMP_CWORD; i++ )); do\n";
  s += "        case ${COMP_WORDS[i]} in\n";
  s += "            " + joined(subcommand_names(tree), "|") + ") command=${COMP_WORDS[i]}; break ;;\n";
  s += "        esac\n";
  s += "    done\n";
  s += "    case $command in\n";
  for (size_t i = 0; i < tree.size(); ++i) {
    const CommandFacts& c = tree[i];
    std::vector<std::string> options, words = i == 0 ? subcommand_names(tree) : std::vector<std::string>{};
    for (const auto& o : c.options) options.insert(options.end(), o.names.begin(), o.names.end());
    for (const auto& p : c.positionals) words.insert(words.end(), p.values.begin(), p.values.end());
    s += "        " + (i == 0 ? std::string("''") : c.name) + ")\n";
    s += "            options=" + sh_single_quoted(joined(options)) + " words=" + sh_single_quoted(joined(words)) +
         " files=" + (takes_files(c) ? "1" : "") + "\n";
    // The word after an option that takes a value: its values, files, or nothing.
    std::string values_case;
    for (const auto& o : c.options) {
      if (!o.takes_value) continue;
      const std::string reply = !o.values.empty() ? "COMPREPLY=($(compgen -W " + sh_single_quoted(joined(o.values)) + " -- \"$cur\"))"
                                : o.path           ? "COMPREPLY=($(compgen -f -- \"$cur\"))"
                                                   : "COMPREPLY=()";
      values_case += "                " + joined(o.names, "|") + ") " + reply + "; return ;;\n";
    }
    if (!values_case.empty()) s += "            case $prev in\n" + values_case + "            esac\n";
    s += "            ;;\n";
  }
  s += "    esac\n";
  s += "    if [[ $cur == -* ]]; then\n";
  s += "        COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n";
  s += "    else\n";
  s += "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n";
  s += "        if [[ -n $files ]]; then COMPREPLY+=($(compgen -f -- \"$cur\")); fi\n";
  s += "    fi\n";
  s += "}\n";
  s += "complete -o filenames -F " + function + " " + program + "\n";
  return s;
}

// An _arguments description: inside [...], so brackets are escaped.
std::string zsh_bracketed(const std::string& text) {
  std::string out;
  for (const char c : short_description(text)) {
    if (c == '[' || c == ']' || c == '\\' || c == ':') out += '\\';
    out += c;
  }
  return out;
}

std::string zsh_action(const OptionFacts& o) {
  if (!o.values.empty()) return "(" + joined(o.values) + ")";
  return o.path ? "_files" : " ";
}

// The main job's positional takes files or a subcommand (_PROGRAM_inputs).
std::string zsh_specs(const CommandFacts& c, const std::string& inputs_function) {
  std::string s;
  for (const auto& o : c.options)
    for (const auto& name : o.names) {
      std::string spec = "*" + name + "[" + zsh_bracketed(o.description) + "]";
      if (o.takes_value) spec += ":" + (o.type.empty() ? std::string("value") : o.type) + ":" + zsh_action(o);
      s += " \\\n        " + sh_single_quoted(spec);
    }
  for (const auto& p : c.positionals) {
    const std::string action = inputs_function.empty() ? zsh_action(p) : inputs_function;
    s += " \\\n        " + sh_single_quoted((p.many ? "*:" : ":") + p.positional + ":" + action);
  }
  return s;
}

std::string zsh_script(const std::vector<CommandFacts>& tree) {
  const std::string program = tree.front().name;
  std::string s = "#compdef " + program + "\n";
  s += "# zsh completion for " + program + ", made by '" + program + " completion zsh' from its option definitions\n";
  s += "_" + program + "_inputs() {\n";
  s += "    _describe -t commands command commands\n";
  s += "    _files\n";
  s += "}\n";
  s += "_" + program + "() {\n";
  s += "    local -a commands=(";
  for (size_t i = 1; i < tree.size(); ++i)
    s += "\n        " + sh_single_quoted(tree[i].name + ":" + short_description(tree[i].description));
  s += "\n    )\n";
  s += "    local command= i\n";
  s += "    for (( i = 2; i < CURRENT; i++ )); do\n";
  s += "        case ${words[i]} in\n";
  s += "            (" + joined(subcommand_names(tree), "|") + ") command=${words[i]}; break ;;\n";
  s += "        esac\n";
  s += "    done\n";
  s += "    if [[ -n $command ]]; then\n";
  // Quoted, with (@): the empty word being completed stays a word.
  s += "        words=(\"${words[1]}\" \"${(@)words[i+1,-1]}\")\n";
  s += "        (( CURRENT -= i - 1 ))\n";
  s += "    fi\n";
  s += "    case $command in\n";
  for (size_t i = 0; i < tree.size(); ++i) {
    s += "        (" + (i == 0 ? std::string("''") : tree[i].name) + ")\n";
    s += "            _arguments -s :" + zsh_specs(tree[i], i == 0 ? "_" + program + "_inputs" : "") + "\n";
    s += "            ;;\n";
  }
  s += "    esac\n";
  s += "}\n";
  s += "_" + program + " \"$@\"\n";
  return s;
}

std::string fish_script(const std::vector<CommandFacts>& tree) {
  const std::string program = tree.front().name;
  const std::string subcommands = joined(subcommand_names(tree));
  std::string s = "# fish completion for " + program + ", made by '" + program +
                  " completion fish' from its option definitions\n";
  for (size_t i = 1; i < tree.size(); ++i)
    s += "complete -c " + program + " -n __fish_use_subcommand -a " + tree[i].name + " -d " +
         fish_single_quoted(short_description(tree[i].description)) + "\n";
  for (size_t i = 0; i < tree.size(); ++i) {
    const CommandFacts& c = tree[i];
    const std::string condition = fish_single_quoted(i == 0 ? "not __fish_seen_subcommand_from " + subcommands
                                                            : "__fish_seen_subcommand_from " + c.name);
    const std::string head = "complete -c " + program + " -n " + condition;
    if (i > 0 && !takes_files(c)) {
      std::vector<std::string> words;
      for (const auto& p : c.positionals) words.insert(words.end(), p.values.begin(), p.values.end());
      s += head + " -f" + (words.empty() ? "" : " -a " + fish_single_quoted(joined(words))) + "\n";
    }
    for (const auto& o : c.options) {
      std::string line = head;
      for (const auto& name : o.names) line += (name.starts_with("--") ? " -l " + name.substr(2) : " -s " + name.substr(1));
      if (o.takes_value) {
        if (!o.values.empty()) line += " -x -a " + fish_single_quoted(joined(o.values));
        else line += o.path ? " -r -F" : " -x";
      }
      s += line + " -d " + fish_single_quoted(short_description(o.description)) + "\n";
    }
  }
  return s;
}

}  // namespace

const std::vector<std::string>& completion_shells() {
  static const std::vector<std::string> shells = {"bash", "zsh", "fish"};
  return shells;
}

std::string completion_script(const std::vector<CommandFacts>& tree, const std::string& shell) {
  if (shell == "bash") return bash_script(tree);
  if (shell == "zsh") return zsh_script(tree);
  if (shell == "fish") return fish_script(tree);
  throw std::invalid_argument("no completion script for " + shell);
}

}  // namespace upsample::app
