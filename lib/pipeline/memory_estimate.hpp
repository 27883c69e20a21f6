#pragma once
// How much memory upscaling one image takes at its peak, told before it is decoded, so
// that a job the machine cannot hold is refused with the number instead of swapping or
// being killed. An estimate from the sizes of what is held at once (the decoded input,
// the result, the method's copies of it and its working tiles), meant to be at or a
// little above the real peak; the encoded file is counted as half the result, so a result
// that does not compress at all can take up to that half more. `upsample ... -v` prints
// it per file.
#include <cstdint>
#include <string>

#include "io/image_header.hpp"

namespace upsample::pipeline {

// *_in_rows: a method whose result can be made band by band as it is written
// (Upscaler::upscale_in_rows): bicubic; the learned methods, a row of tiles at a time.
enum class MethodKind { classical, classical_in_rows, learned, learned_in_rows };

// Peak bytes to upscale an image of `input`'s size by `scale` with a method of `kind`
// (scale 1: a learned image-to-image step such as deblurring), written as `output_extension`
// (a PNG of a method in rows is never whole in memory, nor is its file).
std::uint64_t estimated_peak_bytes(const io::ImageHeader& input, int scale, MethodKind kind,
                                   const std::string& output_extension = "");

// The same for an asked size (-s 1.5, --width): `output` is the result's size, and a
// learned method first makes an image `working_scale` times the input's (held with its
// copies while it is shrunk to `output`); a classical one resamples straight.
std::uint64_t estimated_peak_bytes(const io::ImageHeader& input, int output_width, int output_height,
                                   int working_scale, MethodKind kind);

// The machine's physical memory in bytes (0 if it cannot be read).
std::uint64_t physical_memory_bytes();

// "1.5 GB", "640 MB", "12 KB": decimal units, as sizes are typed (--max-memory 8G).
std::string describe_bytes(std::uint64_t bytes);

// A size as users type it: a number with an optional unit K, M, G or T (powers of 1000,
// also KB, MB, GB, TB; case ignored). Throws Error naming the text.
std::uint64_t parse_byte_size(const std::string& text);

}  // namespace upsample::pipeline
