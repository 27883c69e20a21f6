// The shell completion scripts and the man page, made from the option definitions:
// bash completes through them; zsh, fish and groff check them where installed.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

// What bash's completion function offers for the words typed (the last one being
// completed), with the script `upsample completion bash` printed sourced first.
std::vector<std::string> bash_completions(const fs::path& cwd, const fs::path& script, const std::string& typed) {
  const std::string program = "source " + script.string() +
                              " && COMP_WORDS=(" + typed + ") && COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))" +
                              " && _upsample; printf '%s\\n' \"${COMPREPLY[@]}\"";
  const auto r = run_cli({}, cwd, {}, {"/bin/bash", "-c", program});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  std::vector<std::string> words;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) words.push_back(line);
  std::sort(words.begin(), words.end());
  return words;
}

fs::path written(const ScratchFolder& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

std::string found_program(const std::vector<std::string>& names) {
  for (const auto& name : names)
    for (const char* folder : {"/usr/bin/", "/bin/", "/usr/local/bin/"})
      if (fs::exists(std::string(folder) + name)) return std::string(folder) + name;
  return "";
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("bash completion: options, subcommands, method names and files") {
  if (!fs::exists("/bin/bash")) {
    MESSAGE("skipped: no /bin/bash");
    return;
  }
  ScratchFolder dir;
  const auto r = run_cli({"completion", "bash"}, dir.path());
  REQUIRE(r.exit_code == 0);
  const fs::path script = written(dir, "upsample.bash", r.out);
  fs::create_directories(dir / "work");
  using words = std::vector<std::string>;
  CHECK(bash_completions(dir / "work", script, "upsample --sc") == words{"--scale"});
  CHECK(bash_completions(dir / "work", script, "upsample comp") == words{"compare", "completion"});
  CHECK(bash_completions(dir / "work", script, "upsample completion ''") == words{"bash", "fish", "zsh"});
  CHECK(bash_completions(dir / "work", script, "upsample -m bic") == words{"bicubic"});
  CHECK(bash_completions(dir / "work", script, "upsample photo.png -f we") == words{"webp"});
  CHECK(bash_completions(dir / "work", script, "upsample eval --da") == words{"--data"});
  std::ofstream(dir / "work" / "photo.png") << "x";
  CHECK(bash_completions(dir / "work", script, "upsample ph") == words{"photo.png"});
  CHECK(bash_completions(dir / "work", script, "upsample -s 2 -o ph") == words{"photo.png"});
}

TEST_CASE("zsh and fish completion scripts parse in their shells") {
  ScratchFolder dir;
  for (const auto& [shell, check] : {std::pair<std::string, std::string>{"zsh", "-n"}, {"fish", "--no-execute"}}) {
    CAPTURE(shell);
    const auto r = run_cli({"completion", shell}, dir.path());
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("scale") != std::string::npos);
    CHECK(r.out.find("completion") != std::string::npos);
    const std::string program = found_program({shell});
    if (program.empty()) {
      MESSAGE("skipped: " << shell << " is not installed, its script is not parsed");
      continue;
    }
    const fs::path script = written(dir, "upsample." + shell, r.out);
    const auto parsed = run_cli({}, dir.path(), {}, {program, check, script.string()});
    INFO(parsed.err);
    CHECK(parsed.exit_code == 0);
  }
  CHECK(run_cli({"completion", "tcsh"}, dir.path()).exit_code == 2);
}

TEST_CASE("the man page names every subcommand and option, and groff reads it without a warning") {
  ScratchFolder dir;
  const auto man = run_cli({"man"}, dir.path());
  REQUIRE(man.exit_code == 0);
  const auto help = run_cli({"--help"}, dir.path());
  CHECK(man.out.starts_with(".\\\""));
  CHECK(man.out.find(".TH UPSAMPLE 1") != std::string::npos);
  for (const char* command : {"eval", "deblur", "estimate-blur", "blur-kernel", "compare", "artifacts", "bench", "models", "report",
                              "train", "completion", "man"}) {
    CAPTURE(command);
    CHECK(man.out.find(".SS \"upsample " + std::string(command) + "\"") != std::string::npos);
  }
  // Each long option of the main job's --help, as roff writes it.
  for (size_t at = help.out.find("--"); at != std::string::npos; at = help.out.find("--", at + 2)) {
    size_t end = at + 2;
    while (end < help.out.size() && (std::isalnum(static_cast<unsigned char>(help.out[end])) || help.out[end] == '-')) ++end;
    std::string option = help.out.substr(at, end - at);
    if (option.size() <= 2) continue;
    std::string roff;
    for (const char c : option) roff += c == '-' ? std::string("\\-") : std::string(1, c);
    CAPTURE(option);
    CHECK(man.out.find(roff) != std::string::npos);
  }
  const std::string groff = found_program({"groff"});
  if (groff.empty()) {
    MESSAGE("skipped: groff is not installed, the page is not typeset");
    return;
  }
  const fs::path page = written(dir, "upsample.1", man.out);
  const auto typeset = run_cli({}, dir.path(), {}, {groff, "-man", "-z", "-ww", page.string()});
  CHECK(typeset.exit_code == 0);
  CHECK(typeset.err == "");
}

TEST_CASE("the build tree holds the completion scripts and the man page cmake --install puts in share") {
  const fs::path share = fs::path(UPSAMPLE_BINARY).parent_path() / "share";
  ScratchFolder dir;
  for (const auto& [file, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"bash-completion/completions/upsample", {"completion", "bash"}},
           {"zsh/site-functions/_upsample", {"completion", "zsh"}},
           {"fish/vendor_completions.d/upsample.fish", {"completion", "fish"}},
           {"man/man1/upsample.1", {"man"}}}) {
    CAPTURE(file);
    CHECK(read_file(share / file) == run_cli(args, dir.path()).out);
  }
}

}  // TEST_SUITE
