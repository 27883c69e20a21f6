#include "io/jxl_codec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include <jxl/decode_cxx.h>
#include <jxl/encode_cxx.h>
#include <jxl/thread_parallel_runner_cxx.h>
#include <opencv2/imgproc.hpp>

#include "tensor/error.hpp"

namespace upsample::io {

namespace {

// The four-byte big-endian offset of the TIFF header that an "Exif" box starts with.
constexpr size_t kExifBoxOffsetBytes = 4;

bool is_plain_srgb(const JxlDecoder* decoder) {
  JxlColorEncoding encoding{};
  if (JxlDecoderGetColorAsEncodedProfile(decoder, nullptr, JXL_COLOR_PROFILE_TARGET_DATA, &encoding) != JXL_DEC_SUCCESS)
    return false;
  return encoding.color_space != JXL_COLOR_SPACE_UNKNOWN && encoding.white_point == JXL_WHITE_POINT_D65 &&
         (encoding.color_space == JXL_COLOR_SPACE_GRAY || encoding.primaries == JXL_PRIMARIES_SRGB) &&
         encoding.transfer_function == JXL_TRANSFER_FUNCTION_SRGB;
}

// libjxl's own mapping of a JPEG-style quality to its butteraugli distance.
float distance_for_quality(int quality) {
  if (quality >= 30) return 0.1f + static_cast<float>(100 - quality) * 0.09f;
  return static_cast<float>(6.4 + std::pow(2.5, (30 - quality) / 5.0) / 6.25);
}

}  // namespace

bool looks_like_jxl(std::span<const std::byte> bytes) {
  const JxlSignature kind = JxlSignatureCheck(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return kind == JXL_SIG_CODESTREAM || kind == JXL_SIG_CONTAINER;
}

cv::Mat decode_jxl(std::span<const std::byte> bytes, PhotoMetadata* metadata, const SizeCheck& check_size) {
  const JxlDecoderPtr decoder = JxlDecoderMake(nullptr);
  const JxlThreadParallelRunnerPtr runner =
      JxlThreadParallelRunnerMake(nullptr, JxlThreadParallelRunnerDefaultNumWorkerThreads());
  JxlDecoder* dec = decoder.get();
  if (JxlDecoderSetParallelRunner(dec, JxlThreadParallelRunner, runner.get()) != JXL_DEC_SUCCESS)
    throw Error("cannot start the JPEG XL decoder");
  int events = JXL_DEC_BASIC_INFO | JXL_DEC_COLOR_ENCODING | JXL_DEC_FULL_IMAGE;
  if (metadata) {
    events |= JXL_DEC_BOX;
    JxlDecoderSetDecompressBoxes(dec, JXL_TRUE);
  }
  JxlDecoderSubscribeEvents(dec, events);
  JxlDecoderSetInput(dec, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  JxlDecoderCloseInput(dec);

  JxlBasicInfo info{};
  JxlPixelFormat format{};
  cv::Mat pixels;
  std::vector<std::byte> box;
  std::string box_type;
  const auto finish_box = [&] {
    if (box_type.empty()) return;
    box.resize(box.size() - JxlDecoderReleaseBoxBuffer(dec));
    if (box_type == "Exif" && box.size() > kExifBoxOffsetBytes && metadata->exif.empty()) {
      const size_t offset = (static_cast<size_t>(box[0]) << 24) | (static_cast<size_t>(box[1]) << 16) |
                            (static_cast<size_t>(box[2]) << 8) | static_cast<size_t>(box[3]);
      if (offset < box.size() - kExifBoxOffsetBytes)
        metadata->exif.assign(box.begin() + static_cast<std::ptrdiff_t>(kExifBoxOffsetBytes + offset), box.end());
    } else if (box_type == "xml " && metadata->xmp.empty()) {
      metadata->xmp.assign(reinterpret_cast<const char*>(box.data()), box.size());
    }
    box_type.clear();
  };
  while (true) {
    const JxlDecoderStatus status = JxlDecoderProcessInput(dec);
    if (status == JXL_DEC_ERROR) throw Error("not a readable JPEG XL file");
    if (status == JXL_DEC_NEED_MORE_INPUT) throw Error("truncated: the JPEG XL data ends before its image does");
    if (status == JXL_DEC_SUCCESS) break;
    if (status == JXL_DEC_BASIC_INFO) {
      if (JxlDecoderGetBasicInfo(dec, &info) != JXL_DEC_SUCCESS) throw Error("not a readable JPEG XL file");
      const bool deep = info.bits_per_sample > 8;
      const uint32_t channels = info.num_color_channels + (info.alpha_bits > 0 ? 1 : 0);
      format = {channels, deep ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
      // JPEG XL sides go up to 2^30: told before the buffer is allocated.
      check_declared_size({static_cast<int>(std::min<uint32_t>(info.xsize, INT32_MAX)),
                           static_cast<int>(std::min<uint32_t>(info.ysize, INT32_MAX)), static_cast<int>(channels),
                           deep ? 2 : 1},
                          check_size);
      pixels.create(static_cast<int>(info.ysize), static_cast<int>(info.xsize),
                    CV_MAKETYPE(deep ? CV_16U : CV_8U, static_cast<int>(channels)));
    } else if (status == JXL_DEC_COLOR_ENCODING) {
      size_t size = 0;
      if (metadata && !is_plain_srgb(dec) &&
          JxlDecoderGetICCProfileSize(dec, nullptr, JXL_COLOR_PROFILE_TARGET_DATA, &size) == JXL_DEC_SUCCESS) {
        metadata->icc.resize(size);
        if (JxlDecoderGetColorAsICCProfile(dec, nullptr, JXL_COLOR_PROFILE_TARGET_DATA,
                                           reinterpret_cast<uint8_t*>(metadata->icc.data()), size) != JXL_DEC_SUCCESS)
          metadata->icc.clear();
      }
    } else if (status == JXL_DEC_NEED_IMAGE_OUT_BUFFER) {
      if (JxlDecoderSetImageOutBuffer(dec, &format, pixels.data, pixels.total() * pixels.elemSize()) != JXL_DEC_SUCCESS)
        throw Error("cannot decode the JPEG XL image");
    } else if (status == JXL_DEC_BOX) {
      finish_box();
      JxlBoxType type{};
      if (JxlDecoderGetBoxType(dec, type, JXL_TRUE) == JXL_DEC_SUCCESS) {
        const std::string name(type, 4);
        if (name == "Exif" || name == "xml ") {
          box_type = name;
          box.assign(1 << 16, std::byte{0});
          JxlDecoderSetBoxBuffer(dec, reinterpret_cast<uint8_t*>(box.data()), box.size());
        }
      }
    } else if (status == JXL_DEC_BOX_NEED_MORE_OUTPUT) {
      const size_t used = box.size() - JxlDecoderReleaseBoxBuffer(dec);
      box.resize(box.size() * 2);
      JxlDecoderSetBoxBuffer(dec, reinterpret_cast<uint8_t*>(box.data()) + used, box.size() - used);
    }
  }
  if (pixels.empty()) throw Error("not a readable JPEG XL file: no image");
  cv::Mat out;
  switch (pixels.channels()) {
    case 2: {  // grey + alpha, widened as the rest of the tool expects
      std::vector<cv::Mat> planes;
      cv::split(pixels, planes);
      cv::merge(std::vector<cv::Mat>{planes[0], planes[0], planes[0], planes[1]}, out);
      break;
    }
    case 3: cv::cvtColor(pixels, out, cv::COLOR_RGB2BGR); break;
    case 4: cv::cvtColor(pixels, out, cv::COLOR_RGBA2BGRA); break;
    default: out = pixels; break;
  }
  return out;
}

std::vector<unsigned char> encode_jxl(const cv::Mat& image, std::optional<int> quality, const PhotoMetadata* metadata) {
  CV_Assert(image.depth() == CV_8U || image.depth() == CV_16U);
  const JxlEncoderPtr encoder = JxlEncoderMake(nullptr);
  const JxlThreadParallelRunnerPtr runner =
      JxlThreadParallelRunnerMake(nullptr, JxlThreadParallelRunnerDefaultNumWorkerThreads());
  JxlEncoder* enc = encoder.get();
  const auto check = [](JxlEncoderStatus status, const char* doing) {
    if (status != JXL_ENC_SUCCESS) throw Error(std::string("libjxl cannot ") + doing);
  };
  check(JxlEncoderSetParallelRunner(enc, JxlThreadParallelRunner, runner.get()), "start");
  const bool deep = image.depth() == CV_16U;
  const bool alpha = image.channels() == 4;
  const bool grey = image.channels() == 1;
  cv::Mat ordered;
  if (grey) ordered = image;
  else cv::cvtColor(image, ordered, alpha ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
  ordered = ordered.isContinuous() ? ordered : ordered.clone();

  JxlBasicInfo info;
  JxlEncoderInitBasicInfo(&info);
  info.xsize = static_cast<uint32_t>(image.cols);
  info.ysize = static_cast<uint32_t>(image.rows);
  info.bits_per_sample = deep ? 16 : 8;
  info.num_color_channels = grey ? 1 : 3;
  info.num_extra_channels = alpha ? 1 : 0;
  info.alpha_bits = alpha ? info.bits_per_sample : 0;
  info.uses_original_profile = JXL_TRUE;  // pixels stay in their colour space: the profile is stored as it came
  check(JxlEncoderSetBasicInfo(enc, &info), "take the image size and depth");
  if (alpha) {
    JxlExtraChannelInfo channel;
    JxlEncoderInitExtraChannelInfo(JXL_CHANNEL_ALPHA, &channel);
    channel.bits_per_sample = info.bits_per_sample;
    check(JxlEncoderSetExtraChannelInfo(enc, 0, &channel), "add the alpha channel");
  }
  if (metadata && !metadata->icc.empty()) {
    check(JxlEncoderSetICCProfile(enc, reinterpret_cast<const uint8_t*>(metadata->icc.data()), metadata->icc.size()),
          "use the colour profile");
  } else {
    JxlColorEncoding srgb;
    JxlColorEncodingSetToSRGB(&srgb, grey ? JXL_TRUE : JXL_FALSE);
    check(JxlEncoderSetColorEncoding(enc, &srgb), "set sRGB");
  }
  const bool exif = metadata && !metadata->exif.empty(), xmp = metadata && !metadata->xmp.empty();
  if (exif || xmp) {
    check(JxlEncoderUseBoxes(enc), "add metadata boxes");
    if (exif) {
      std::vector<uint8_t> box(kExifBoxOffsetBytes, 0);
      const auto* start = reinterpret_cast<const uint8_t*>(metadata->exif.data());
      box.insert(box.end(), start, start + metadata->exif.size());
      check(JxlEncoderAddBox(enc, "Exif", box.data(), box.size(), JXL_FALSE), "add the EXIF box");
    }
    if (xmp)
      check(JxlEncoderAddBox(enc, "xml ", reinterpret_cast<const uint8_t*>(metadata->xmp.data()), metadata->xmp.size(),
                             JXL_FALSE),
            "add the XMP box");
    JxlEncoderCloseBoxes(enc);
  }
  JxlEncoderFrameSettings* settings = JxlEncoderFrameSettingsCreate(enc, nullptr);
  if (quality && *quality >= 100) check(JxlEncoderSetFrameLossless(settings, JXL_TRUE), "encode losslessly");
  else check(JxlEncoderSetFrameDistance(settings, quality ? distance_for_quality(*quality) : 1.0f), "set the quality");
  const JxlPixelFormat format = {static_cast<uint32_t>(ordered.channels()), deep ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8,
                                 JXL_NATIVE_ENDIAN, 0};
  check(JxlEncoderAddImageFrame(settings, &format, ordered.data, ordered.total() * ordered.elemSize()),
        "encode the image");
  JxlEncoderCloseInput(enc);

  std::vector<unsigned char> out(1 << 16);
  uint8_t* next = out.data();
  size_t available = out.size();
  JxlEncoderStatus status;
  while ((status = JxlEncoderProcessOutput(enc, &next, &available)) == JXL_ENC_NEED_MORE_OUTPUT) {
    const size_t used = static_cast<size_t>(next - out.data());
    out.resize(out.size() * 2);
    next = out.data() + used;
    available = out.size() - used;
  }
  check(status, "finish the file");
  out.resize(static_cast<size_t>(next - out.data()));
  return out;
}

}  // namespace upsample::io
