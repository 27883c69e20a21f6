#include "io/heif_codec.hpp"

#include <cstring>
#include <memory>
#include <string>

#include <libheif/heif.h>
#include <opencv2/imgproc.hpp>

#include "tensor/error.hpp"

namespace upsample::io {

namespace {

void check_heif(const heif_error& error, const char* doing) {
  if (error.code != heif_error_Ok) throw Error(std::string(doing) + ": " + (error.message ? error.message : "libheif error"));
}

using HeifContext = std::unique_ptr<heif_context, decltype(&heif_context_free)>;
using HeifHandle = std::unique_ptr<heif_image_handle, decltype(&heif_image_handle_release)>;
using HeifImage = std::unique_ptr<heif_image, decltype(&heif_image_release)>;
using HeifEncoder = std::unique_ptr<heif_encoder, decltype(&heif_encoder_release)>;

std::vector<std::byte> metadata_block(const heif_image_handle* handle, heif_item_id id) {
  std::vector<std::byte> block(heif_image_handle_get_metadata_size(handle, id));
  check_heif(heif_image_handle_get_metadata(handle, id, block.data()), "cannot read its metadata");
  return block;
}

void read_heif_metadata(const heif_image_handle* handle, PhotoMetadata& metadata) {
  const int count = heif_image_handle_get_number_of_metadata_blocks(handle, nullptr);
  std::vector<heif_item_id> ids(static_cast<size_t>(std::max(count, 0)));
  heif_image_handle_get_list_of_metadata_block_IDs(handle, nullptr, ids.data(), count);
  for (const heif_item_id id : ids) {
    const std::string type = heif_image_handle_get_metadata_type(handle, id);
    const std::string content = heif_image_handle_get_metadata_content_type(handle, id);
    if (type == "Exif" && metadata.exif.empty()) {
      // The block starts with the offset (4 bytes, big-endian) of the TIFF header after them.
      const std::vector<std::byte> block = metadata_block(handle, id);
      if (block.size() < 4) continue;
      const uint32_t offset = (static_cast<uint32_t>(block[0]) << 24) | (static_cast<uint32_t>(block[1]) << 16) |
                              (static_cast<uint32_t>(block[2]) << 8) | static_cast<uint32_t>(block[3]);
      if (offset <= block.size() - 4) metadata.exif.assign(block.begin() + 4 + offset, block.end());
    } else if (type == "mime" && content == "application/rdf+xml" && metadata.xmp.empty()) {
      const std::vector<std::byte> block = metadata_block(handle, id);
      metadata.xmp.assign(reinterpret_cast<const char*>(block.data()), block.size());
    }
  }
  const heif_color_profile_type profile = heif_image_handle_get_color_profile_type(handle);
  if (profile == heif_color_profile_type_prof || profile == heif_color_profile_type_rICC) {
    metadata.icc.resize(heif_image_handle_get_raw_color_profile_size(handle));
    check_heif(heif_image_handle_get_raw_color_profile(handle, metadata.icc.data()), "cannot read its colour profile");
  }
}

}  // namespace

bool looks_like_heif(std::span<const std::byte> bytes) {
  if (bytes.size() < 12 || std::memcmp(bytes.data() + 4, "ftyp", 4) != 0) return false;
  const heif_filetype_result kind = heif_check_filetype(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                        static_cast<int>(std::min<size_t>(bytes.size(), 1 << 12)));
  return kind == heif_filetype_yes_supported || kind == heif_filetype_maybe;
}

cv::Mat decode_heif(std::span<const std::byte> bytes, PhotoMetadata* metadata, const SizeCheck& check_size) {
  HeifContext context(heif_context_alloc(), heif_context_free);
  check_heif(heif_context_read_from_memory_without_copy(context.get(), bytes.data(), bytes.size(), nullptr),
             "not a readable HEIF/AVIF file");
  heif_image_handle* raw_handle = nullptr;
  check_heif(heif_context_get_primary_image_handle(context.get(), &raw_handle), "no primary image");
  const HeifHandle handle(raw_handle, heif_image_handle_release);
  const bool alpha = heif_image_handle_has_alpha_channel(handle.get()) != 0;
  const bool deep = heif_image_handle_get_luma_bits_per_pixel(handle.get()) > 8;
  const heif_chroma chroma = deep ? (alpha ? heif_chroma_interleaved_RRGGBBAA_LE : heif_chroma_interleaved_RRGGBB_LE)
                                  : (alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB);
  check_declared_size({heif_image_handle_get_width(handle.get()), heif_image_handle_get_height(handle.get()), alpha ? 4 : 3,
                       deep ? 2 : 1},
                      check_size);
  heif_image* raw_image = nullptr;
  check_heif(heif_decode_image(handle.get(), &raw_image, heif_colorspace_RGB, chroma, nullptr), "cannot decode it");
  const HeifImage image(raw_image, heif_image_release);
  int stride = 0;
  const uint8_t* plane = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
  const int width = heif_image_get_width(image.get(), heif_channel_interleaved);
  const int height = heif_image_get_height(image.get(), heif_channel_interleaved);
  if (plane == nullptr || width <= 0 || height <= 0) throw Error("cannot decode it: no pixels");
  const int channels = alpha ? 4 : 3;
  const cv::Mat view(height, width, CV_MAKETYPE(deep ? CV_16U : CV_8U, channels), const_cast<uint8_t*>(plane),
                     static_cast<size_t>(stride));
  cv::Mat pixels;
  cv::cvtColor(view, pixels, alpha ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGB2BGR);
  if (deep) {  // 10- or 12-bit samples, widened to the 16-bit range the rest of the tool uses
    const int bits = heif_image_get_bits_per_pixel_range(image.get(), heif_channel_interleaved);
    if (bits > 0 && bits < 16) pixels.convertTo(pixels, CV_16U, 65535.0 / ((1 << bits) - 1));
  }
  if (metadata) read_heif_metadata(handle.get(), *metadata);
  return pixels;
}

std::vector<unsigned char> encode_heif(const cv::Mat& image, HeifCodec codec, std::optional<int> quality,
                                       const PhotoMetadata* metadata) {
  CV_Assert(image.depth() == CV_8U || (image.depth() == CV_16U && codec == HeifCodec::Hevc));
  const heif_compression_format format = codec == HeifCodec::Av1 ? heif_compression_AV1 : heif_compression_HEVC;
  const char* name = codec == HeifCodec::Av1 ? "AV1" : "HEVC";
  if (!heif_have_encoder_for_format(format)) throw Error(std::string("this libheif has no ") + name + " encoder");
  HeifContext context(heif_context_alloc(), heif_context_free);
  heif_encoder* raw_encoder = nullptr;
  check_heif(heif_context_get_encoder_for_format(context.get(), format, &raw_encoder), "no encoder");
  const HeifEncoder encoder(raw_encoder, heif_encoder_release);
  check_heif(heif_encoder_set_lossy_quality(encoder.get(), quality.value_or(90)), "bad quality");
  // aom's default speed takes many seconds per megapixel; 6 keeps most of its quality.
  if (codec == HeifCodec::Av1) heif_encoder_set_parameter_integer(encoder.get(), "speed", 6);

  cv::Mat rgb;
  const bool alpha = image.channels() == 4;
  const bool deep = image.depth() == CV_16U;
  if (image.channels() == 1) cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
  else cv::cvtColor(image, rgb, alpha ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
  if (deep) rgb.convertTo(rgb, CV_16U, double((1 << kDeepHeifBits) - 1) / 65535.0);  // little-endian samples, as x86 keeps them
  const heif_chroma chroma = deep ? (alpha ? heif_chroma_interleaved_RRGGBBAA_LE : heif_chroma_interleaved_RRGGBB_LE)
                                  : (alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB);
  heif_image* raw_image = nullptr;
  check_heif(heif_image_create(rgb.cols, rgb.rows, heif_colorspace_RGB, chroma, &raw_image), "cannot make the image");
  const HeifImage heif_pixels(raw_image, heif_image_release);
  check_heif(heif_image_add_plane(heif_pixels.get(), heif_channel_interleaved, rgb.cols, rgb.rows,
                                  deep ? kDeepHeifBits : 8),
             "cannot make the image");
  int stride = 0;
  uint8_t* plane = heif_image_get_plane(heif_pixels.get(), heif_channel_interleaved, &stride);
  for (int y = 0; y < rgb.rows; ++y)
    std::memcpy(plane + static_cast<ptrdiff_t>(y) * stride, rgb.ptr(y), rgb.cols * rgb.elemSize());
  if (metadata && !metadata->icc.empty())
    check_heif(heif_image_set_raw_color_profile(heif_pixels.get(), "prof", metadata->icc.data(), metadata->icc.size()),
               "cannot attach the colour profile");

  std::unique_ptr<heif_encoding_options, decltype(&heif_encoding_options_free)> options(heif_encoding_options_alloc(),
                                                                                       heif_encoding_options_free);
  options->save_alpha_channel = alpha ? 1 : 0;
  heif_image_handle* raw_handle = nullptr;
  check_heif(heif_context_encode_image(context.get(), heif_pixels.get(), encoder.get(), options.get(), &raw_handle),
             "cannot encode it");
  const HeifHandle handle(raw_handle, heif_image_handle_release);
  if (metadata && !metadata->exif.empty())
    check_heif(heif_context_add_exif_metadata(context.get(), handle.get(), metadata->exif.data(),
                                              static_cast<int>(metadata->exif.size())),
               "cannot add its EXIF data");
  if (metadata && !metadata->xmp.empty())
    check_heif(heif_context_add_XMP_metadata(context.get(), handle.get(), metadata->xmp.data(),
                                             static_cast<int>(metadata->xmp.size())),
               "cannot add its XMP data");

  std::vector<unsigned char> out;
  heif_writer writer{};
  writer.writer_api_version = 1;
  writer.write = [](heif_context*, const void* data, size_t size, void* user) {
    auto* target = static_cast<std::vector<unsigned char>*>(user);
    const auto* begin = static_cast<const unsigned char*>(data);
    target->insert(target->end(), begin, begin + size);
    return heif_error{heif_error_Ok, heif_suberror_Unspecified, "ok"};
  };
  check_heif(heif_context_write(context.get(), &writer, &out), "cannot write it");
  return out;
}

}  // namespace upsample::io
