#include "format_list.hpp"

#include <fmt/format.h>

#include "io/formats.hpp"

namespace upsample::app {

std::string format_table() {
  const auto mark = [](bool yes) { return yes ? "yes" : "-"; };
  std::string table = fmt::format("{:<13} {:<22} {:<5} {:<5} {:<6} {:<5} {:<4} {:<3} {:<4} {:<3}  {}\n", "format",
                                   "extensions", "read", "write", "16-bit", "alpha", "EXIF", "XMP", "IPTC", "ICC", "note");
  for (const io::ImageFormat& f : io::image_formats()) {
    std::string extensions;
    for (const auto& ext : f.extensions) {
      if (!extensions.empty()) extensions += ' ';
      extensions += ext;
    }
    table += fmt::format("{:<13} {:<22} {:<5} {:<5} {:<6} {:<5} {:<4} {:<3} {:<4} {:<3}  {}\n", f.name, extensions,
                         mark(f.read), mark(f.write), mark(f.keeps_16bit), mark(f.keeps_alpha), mark(f.exif), mark(f.xmp),
                         mark(f.iptc), mark(f.icc), f.note);
  }
  table += "Metadata (EXIF, XMP, IPTC, ICC profile) is copied from each input to its output where the output\n"
           "format holds it, fitted to the new size; --strip drops it.\n";
  return table;
}

}  // namespace upsample::app
