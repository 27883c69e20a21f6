// End-to-end: what makes a photo a photo (EXIF, XMP, IPTC, its ICC profile) goes from
// the input into the upscaled output, fitted to the new pixels; --strip drops it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "io/image_io.hpp"
#include "photo_tags.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample;
using namespace upsample::testing;

namespace {

// A 24x16 test picture (BGR, `depth` 8 or 16 bits) with some structure in it.
cv::Mat phone_picture(int depth) {
  cv::Mat image(16, 24, CV_8UC3);
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 10), uchar(y * 15), uchar(200 - x * 5));
  if (depth == CV_16U) image.convertTo(image, CV_16U, 257.0);
  return image;
}

// Tags that describe the file's own layout or are fitted to the output: compared apart.
bool is_fitted_or_layout_tag(const std::string& key) {
  static const std::vector<std::string> keys = {
      "Exif.Image.Orientation", "Exif.Photo.PixelXDimension", "Exif.Photo.PixelYDimension", "Exif.Image.ImageWidth",
      "Exif.Image.ImageLength", "Exif.Image.StripOffsets", "Exif.Image.StripByteCounts", "Exif.Image.RowsPerStrip",
      "Exif.Image.InterColorProfile", "Exif.Image.XMLPacket", "Exif.Image.IPTCNAA", "Exif.Image.ExifTag",
      "Exif.Image.GPSTag"};
  return key.starts_with("Exif.Thumbnail.") || std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Every tag of `in` that the output format holds is in `out` with the same value; the
// fitted ones say what the output is.
void check_tags_kept(const PhotoTags& in, const PhotoTags& out, cv::Size out_size, bool iptc_kept) {
  CHECK(in.exif.count() > 10);
  for (const Exiv2::Exifdatum& datum : in.exif) {
    if (is_fitted_or_layout_tag(datum.key())) continue;
    CAPTURE(datum.key());
    const auto found = out.exif.findKey(Exiv2::ExifKey(datum.key()));
    REQUIRE((found != out.exif.end()));
    CHECK(found->toString() == datum.toString());
  }
  const auto value_of = [&](const char* key) {
    const auto it = out.exif.findKey(Exiv2::ExifKey(key));
    return it == out.exif.end() ? std::string("(none)") : it->toString();
  };
  CHECK(value_of("Exif.Image.Orientation") == "1");
  CHECK(value_of("Exif.Photo.PixelXDimension") == std::to_string(out_size.width));
  CHECK(value_of("Exif.Photo.PixelYDimension") == std::to_string(out_size.height));
  CHECK(value_of("Exif.Thumbnail.JPEGInterchangeFormat") == "(none)");
  CHECK(in.xmp.count() >= 2);
  for (const Exiv2::Xmpdatum& datum : in.xmp) {
    CAPTURE(datum.key());
    const auto found = out.xmp.findKey(Exiv2::XmpKey(datum.key()));
    REQUIRE((found != out.xmp.end()));
    CHECK(found->toString() == datum.toString());
  }
  if (iptc_kept) {
    CHECK(in.iptc.count() == 3);
    CHECK(out.iptc.count() == in.iptc.count());
    for (const Exiv2::Iptcdatum& datum : in.iptc) {
      CAPTURE(datum.key());
      CHECK((out.iptc.findKey(Exiv2::IptcKey(datum.key())) != out.iptc.end()));
    }
    std::vector<std::string> in_keywords, out_keywords;
    for (const auto& d : in.iptc) if (d.key() == "Iptc.Application2.Keywords") in_keywords.push_back(d.toString());
    for (const auto& d : out.iptc) if (d.key() == "Iptc.Application2.Keywords") out_keywords.push_back(d.toString());
    CHECK(out_keywords == in_keywords);
  }
  CHECK(!in.icc.empty());
  CHECK(out.icc == in.icc);  // byte for byte: the pixels are still in the input's colour space
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("photo metadata: EXIF, XMP, IPTC and a P3 profile survive -s 2 into JPEG, PNG and 16-bit TIFF") {
  ScratchFolder dir;
  const std::vector<std::byte> p3 = display_p3_profile();
  for (const std::string ext : {"jpg", "png", "tif"}) {
    CAPTURE(ext);
    const int depth = ext == "tif" ? CV_16U : CV_8U;
    const fs::path input = dir / ("phone." + ext);
    cv::imwrite(input.string(), phone_picture(depth));
    const io::PngDensity dpi300{11811, 11811, true};  // pixels per metre
    if (ext == "png") {
      const std::string plain = read_file(input);
      std::vector<unsigned char> with_density(plain.begin(), plain.end());
      io::finish_png_chunks(with_density, dpi300);
      io::write_file_atomically(input, std::as_bytes(std::span(with_density)), io::ExistingFile::Replace);
    }
    write_phone_tags(input, 24, 16, p3);
    const auto r = run_cli({"-m", "bicubic", "-s", "2", input.string(), "-o", "big." + ext}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const cv::Mat out = cv::imread((dir / ("big." + ext)).string(), cv::IMREAD_UNCHANGED);
    CHECK(out.size() == cv::Size(32, 48));  // orientation 6 applied: 16 wide, 24 high, times 2
    CHECK(out.depth() == depth);
    check_tags_kept(read_photo_tags(input), read_photo_tags(dir / ("big." + ext)), out.size(), true);
    if (ext == "png") {
      const std::string written = read_file(dir / "big.png");
      CHECK(io::png_density(std::as_bytes(std::span(written.data(), written.size()))) == dpi300);
      CHECK(contains(written, "iCCPICC profile"));  // a named profile: libpng drops one without a name
    }
  }
}

TEST_CASE("photo metadata: WebP keeps all but IPTC and says so in --json, --strip writes none of it") {
  ScratchFolder dir;
  const fs::path input = dir / "phone.png";
  cv::imwrite(input.string(), phone_picture(CV_8U));
  write_phone_tags(input, 24, 16, display_p3_profile());
  const auto r = run_cli({"-m", "bicubic", "-s", "2", input.string(), "-o", "big.webp", "--json"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["files"].size() == 1);
  const std::string warnings = doc["files"][0]["warnings"].dump();
  CHECK(contains(warnings, "big.webp: the format cannot hold the input's IPTC, dropped"));
  check_tags_kept(read_photo_tags(input), read_photo_tags(dir / "big.webp"), cv::Size(32, 48), false);

  const auto stripped = run_cli({"-m", "bicubic", "-s", "2", input.string(), "-o", "bare.jpg", "--strip"}, dir.path());
  REQUIRE(stripped.exit_code == 0);
  const PhotoTags bare = read_photo_tags(dir / "bare.jpg");
  CHECK(bare.exif.empty());
  CHECK(bare.xmp.empty());
  CHECK(bare.iptc.empty());
  CHECK(bare.icc.empty());
  CHECK(cv::imread((dir / "bare.jpg").string()).size() == cv::Size(32, 48));  // still turned upright
}

TEST_CASE("photo metadata: a P3 photo's output, shown through the profile it carries, is the input shown so, upscaled") {
  // The pixels stay in P3 and the profile goes with them, so a colour-managed viewer
  // shows the output as it shows the input upscaled in sRGB, to within resampling in a
  // different space; read as sRGB (the profile dropped), the colours are visibly off.
  ScratchFolder dir;
  const std::vector<std::byte> p3 = display_p3_profile();
  const std::string p3_bytes(reinterpret_cast<const char*>(p3.data()), p3.size());
  const cv::Mat scene = cv::imread(sample("scene.png").string(), cv::IMREAD_COLOR);
  REQUIRE(!scene.empty());
  cv::imwrite((dir / "p3.png").string(), scene);
  write_icc_profile(dir / "p3.png", p3);
  cv::imwrite((dir / "srgb.png").string(), rendered_as_srgb(scene, p3_bytes));
  for (const std::string method : {"bicubic", "fsrcnn"}) {
    CAPTURE(method);
    for (const std::string stem : {"p3", "srgb"}) {
      const auto r = run_cli({"-m", method, "-s", "2", stem + ".png", "-o", stem + "_" + method + ".png"}, dir.path());
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
    }
    const PhotoTags tags = read_photo_tags(dir / ("p3_" + method + ".png"));
    REQUIRE(tags.icc == p3_bytes);
    const cv::Mat out = cv::imread((dir / ("p3_" + method + ".png")).string(), cv::IMREAD_COLOR);
    const cv::Mat reference = cv::imread((dir / ("srgb_" + method + ".png")).string(), cv::IMREAD_COLOR);
    REQUIRE(out.size() == reference.size());
    const auto mean_error = [&](const cv::Mat& shown) {
      const cv::Scalar per_channel = cv::mean(cv::abs(cv::Mat_<cv::Vec3f>(shown) - cv::Mat_<cv::Vec3f>(reference)));
      return (per_channel[0] + per_channel[1] + per_channel[2]) / 3;
    };
    const double managed = mean_error(rendered_as_srgb(out, tags.icc)), unmanaged = mean_error(out);
    MESSAGE(method << ": mean error " << managed << " levels through the profile, " << unmanaged << " read as sRGB");
    CHECK(managed < 1.0);
    CHECK(unmanaged > 3.0);
  }
}

}  // TEST_SUITE
