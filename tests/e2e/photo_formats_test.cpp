// End-to-end: the formats a photo library holds (HEIC, AVIF, JPEG XL, GIF), outputs that
// say what they are (-o's extension, --name's {ext}, standard input and output).
#include <doctest/doctest.h>

#include <fstream>

#include <gif_lib.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "io/heif_codec.hpp"
#include "io/image_io.hpp"
#include "io/jxl_codec.hpp"
#include "photo_tags.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample;
using namespace upsample::testing;

namespace {

void write_bytes_to(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

int append_gif_bytes(GifFileType* gif, const GifByteType* data, int size) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  return size;
}

// A 12x8 GIF of `frames` frames, written with giflib: vertical stripes of black, red,
// green, blue, 3 pixels wide each.
std::string striped_gif(int frames) {
  std::string bytes;
  int error = 0;
  GifFileType* gif = EGifOpen(&bytes, append_gif_bytes, &error);
  GifColorType colours[4] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  ColorMapObject* map = GifMakeMapObject(4, colours);
  EGifPutScreenDesc(gif, 12, 8, 2, 0, map);
  for (int f = 0; f < frames; ++f) {
    EGifPutImageDesc(gif, 0, 0, 12, 8, false, nullptr);
    for (int y = 0; y < 8; ++y) {
      GifPixelType row[12];
      for (int x = 0; x < 12; ++x) row[x] = static_cast<GifPixelType>((x / 3 + f) % 4);
      EGifPutLine(gif, row, 12);
    }
  }
  EGifCloseFile(gif, &error);
  GifFreeMapObject(map);
  return bytes;
}

cv::Mat small_photo() {
  cv::Mat image(16, 24, CV_8UC3);
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 10), uchar(y * 15), 90);
  return image;
}

std::string encoded_as(const std::string& ext, const cv::Mat& image) {
  std::vector<uchar> bytes;
  if (ext == "heic" || ext == "avif") bytes = io::encode_heif(image, ext == "avif" ? io::HeifCodec::Av1 : io::HeifCodec::Hevc, 60, nullptr);
  else cv::imencode("." + ext, image, bytes);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("photo formats: an iPhone-style folder in one run, the corrupt file named as failed, nothing skipped") {
  ScratchFolder dir;
  fs::create_directory(dir / "DCIM");
  const cv::Mat photo = small_photo();
  for (const std::string ext : {"heic", "avif", "jpg", "png"}) write_bytes_to(dir / ("DCIM/IMG_" + ext + "." + ext), encoded_as(ext, photo));
  write_bytes_to(dir / "DCIM/IMG_gif.gif", striped_gif(1));
  const std::string heic = encoded_as("heic", photo);
  write_bytes_to(dir / "DCIM/IMG_broken.HEIC", heic.substr(0, heic.size() / 2));
  write_bytes_to(dir / "DCIM/IMG_raw.dng", "not really a raw file");

  const auto r = run_cli({"DCIM", "-s", "2", "-m", "bicubic", "-o", "out", "--json"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(files_below(dir / "out") == std::vector<std::string>{"IMG_avif_bicubic_x2.avif", "IMG_gif_bicubic_x2.png",
                                                              "IMG_heic_bicubic_x2.heic", "IMG_jpg_bicubic_x2.jpg",
                                                              "IMG_png_bicubic_x2.png"});
  for (const auto& name : files_below(dir / "out")) {
    CAPTURE(name);
    CHECK(io::load_image(dir / "out" / name).size() == (contains(name, "gif") ? cv::Size(24, 16) : cv::Size(48, 32)));
  }
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["summary"]["written"] == 5);
  CHECK(doc["summary"]["failed"] == 2);
  CHECK(contains(r.err, "DCIM/IMG_broken.HEIC: "));
  CHECK(contains(r.err, "DCIM/IMG_raw.dng: cannot read a camera raw file"));
  CHECK(!contains(r.err, "skipped, not an image"));
}

TEST_CASE("photo formats: a GIF's first frame is read, and an animation says the rest is left out") {
  ScratchFolder dir;
  write_bytes_to(dir / "anim.gif", striped_gif(3));
  const auto r = run_cli({"anim.gif", "-s", "1", "-m", "nearest", "-o", "first.png", "--json"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const cv::Mat first = cv::imread((dir / "first.png").string(), cv::IMREAD_UNCHANGED);
  REQUIRE(first.size() == cv::Size(12, 8));
  CHECK(first.at<cv::Vec3b>(4, 1) == cv::Vec3b(0, 0, 0));    // black
  CHECK(first.at<cv::Vec3b>(4, 4) == cv::Vec3b(0, 0, 255));  // red, as BGR
  CHECK(first.at<cv::Vec3b>(4, 10) == cv::Vec3b(255, 0, 0)); // blue
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(contains(doc["files"][0]["warnings"].dump(), "anim.gif: an animated GIF of 3 frames; only the first is read"));
}

TEST_CASE("photo formats: HEIC keeps EXIF, XMP and its ICC profile, its EXIF orientation only a note") {
  ScratchFolder dir;
  const PhoneTagBlocks blocks = phone_tag_blocks(24, 16);
  io::PhotoMetadata tags{blocks.exif, blocks.xmp, {}, display_p3_profile(), std::nullopt};
  const std::vector<uchar> heic = io::encode_heif(small_photo(), io::HeifCodec::Hevc, 80, &tags);
  write_bytes_to(dir / "IMG_0001.HEIC", std::string(heic.begin(), heic.end()));
  for (const std::string ext : {"heic", "jpg", "jxl"}) {
    CAPTURE(ext);
    const auto r = run_cli({"IMG_0001.HEIC", "-s", "2", "-m", "bicubic", "-o", "big." + ext}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const PhotoTags in = read_photo_tags(dir / "IMG_0001.HEIC");
    const PhotoTags out = read_photo_tags(dir / ("big." + ext));
    CHECK(io::load_image(dir / ("big." + ext)).size() == cv::Size(48, 32));
    for (const char* key : {"Exif.Image.Make", "Exif.Image.Model", "Exif.Image.Copyright", "Exif.Image.XResolution",
                            "Exif.Photo.DateTimeOriginal", "Exif.GPSInfo.GPSLatitude", "Exif.GPSInfo.GPSLongitude"}) {
      CAPTURE(key);
      const auto a = in.exif.findKey(Exiv2::ExifKey(key));
      const auto b = out.exif.findKey(Exiv2::ExifKey(key));
      REQUIRE((a != in.exif.end()));
      REQUIRE((b != out.exif.end()));
      CHECK(b->toString() == a->toString());
    }
    CHECK(out.exif.findKey(Exiv2::ExifKey("Exif.Image.Orientation"))->toString() == "1");
    CHECK(out.exif.findKey(Exiv2::ExifKey("Exif.Photo.PixelXDimension"))->toString() == "48");
    CHECK(out.xmp.findKey(Exiv2::XmpKey("Xmp.xmp.Rating"))->toString() == "4");
    CHECK(out.xmp.findKey(Exiv2::XmpKey("Xmp.dc.title"))->toString() == in.xmp.findKey(Exiv2::XmpKey("Xmp.dc.title"))->toString());
    CHECK(!in.icc.empty());
    CHECK(out.icc == in.icc);
  }
}

TEST_CASE("photo formats: 16-bit and alpha survive a JPEG XL round trip, alpha an AVIF one, alpha and 10 bits a HEIC one") {
  ScratchFolder dir;
  cv::Mat rgba(12, 10, CV_16UC4);
  cv::randu(rgba, 0, 65535);
  cv::imwrite((dir / "deep.png").string(), rgba);
  auto r = run_cli({"deep.png", "-s", "2", "-m", "nearest", "-o", "deep.jxl", "--quality", "100"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(run_cli({"deep.png", "-s", "2", "-m", "nearest", "-o", "deep_big.png"}, dir.path()).exit_code == 0);
  const cv::Mat back = io::load_image(dir / "deep.jxl");
  CHECK(back.type() == CV_16UC4);
  CHECK(back.size() == cv::Size(20, 24));
  CHECK(cv::norm(back, io::load_image(dir / "deep_big.png"), cv::NORM_INF) == 0);  // lossless
  r = run_cli({"deep.png", "-s", "2", "-m", "nearest", "-o", "deep.avif"}, dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.err, "deep.avif: the format holds 8 bits, reduced from 16"));
  CHECK(io::load_image(dir / "deep.avif").type() == CV_8UC4);
  {
    r = run_cli({"deep.png", "-s", "2", "-m", "nearest", "-o", "deep.heic", "--quality", "100"}, dir.path());
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.err, "deep.heic: the format holds 10 bits, reduced from 16"));
    const cv::Mat deep = io::load_image(dir / "deep.heic");
    CHECK(deep.type() == CV_16UC4);
    // Ten bits survive: the values come back off the grid of 8-bit ones (multiples of 257).
    cv::Mat on_8bit_grid, off_8bit_grid;
    deep.convertTo(on_8bit_grid, CV_8U, 1.0 / 257.0);
    on_8bit_grid.convertTo(on_8bit_grid, CV_16U, 257.0);
    cv::absdiff(deep, on_8bit_grid, off_8bit_grid);
    CHECK(cv::countNonZero(off_8bit_grid.reshape(1)) > 0);
  }
}

TEST_CASE("photo formats: -o with an unknown extension or a read-only format is bad usage before any work") {
  ScratchFolder dir;
  cv::imwrite((dir / "a.png").string(), small_photo());
  for (const std::string output : {"x.unknownext", "up.avfi", "still.gif"}) {
    CAPTURE(output);
    const auto r = run_cli({"a.png", "-s", "2", "-m", "bicubic", "-o", output}, dir.path());
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "-o " + output + ": "));
  }
  CHECK(run_cli({"a.png", "-s", "2", "-m", "bicubic", "-f", "gif", "-o", "out/"}, dir.path()).exit_code == 2);
  CHECK(files_below(dir.path()) == std::vector<std::string>{"a.png"});
  // A name with a dot that ends in '/' is a folder.
  CHECK(run_cli({"a.png", "-s", "2", "-m", "bicubic", "-o", "v1.5/"}, dir.path()).exit_code == 0);
  CHECK(fs::exists(dir / "v1.5/a_bicubic_x2.png"));
}

TEST_CASE("photo formats: --name without {ext} or with an unknown field is refused at plan time and by --dry-run") {
  ScratchFolder dir;
  cv::imwrite((dir / "a.png").string(), small_photo());
  for (const std::string name : {"{stem}_big.png", "{stem}_{width}.{ext}"}) {
    CAPTURE(name);
    for (const bool dry : {false, true}) {
      std::vector<std::string> args = {"a.png", "-s", "2", "-m", "bicubic", "--name", name};
      if (dry) args.push_back("--dry-run");
      const auto r = run_cli(args, dir.path());
      CHECK(r.exit_code == 2);
      CHECK(contains(r.err, "--name '" + name + "'"));
    }
  }
  CHECK(files_below(dir.path()) == std::vector<std::string>{"a.png"});
}

TEST_CASE("photo formats: - reads standard input, -o - writes standard output (PNG unless -f)") {
  ScratchFolder dir;
  cv::imwrite((dir / "a.jpg").string(), small_photo());
  const auto png = run_cli({}, dir.path(), {}, {"/bin/sh", "-c", std::string(UPSAMPLE_BINARY) + " - -s 2 -m bicubic -o - < a.jpg > out.bin"});
  INFO(png.err);
  REQUIRE(png.exit_code == 0);
  const std::string bytes = read_file(dir / "out.bin");
  CHECK(bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK(cv::imread((dir / "out.bin").string()).size() == cv::Size(48, 32));
  const auto webp = run_cli({}, dir.path(), {}, {"/bin/sh", "-c", std::string(UPSAMPLE_BINARY) + " - -s 2 -m bicubic -f webp -o - < a.jpg"});
  REQUIRE(webp.exit_code == 0);
  CHECK(webp.out.substr(8, 4) == "WEBP");
  CHECK(files_below(dir.path()) == std::vector<std::string>{"a.jpg", "out.bin"});
  CHECK(run_cli({"-", "-s", "2", "-m", "bicubic"}, dir.path()).exit_code == 2);  // no -o: nowhere to name the output
}

TEST_CASE("photo formats: --formats lists what is read and written, a model file is named by its stem") {
  ScratchFolder dir;
  const auto r = run_cli({"--formats"}, dir.path());
  CHECK(r.exit_code == 0);
  for (const char* line : {"HEIF          heic heif hif          yes   yes", "GIF           gif                    yes   -",
                           "JPEG XL       jxl                    yes   yes   yes"})
    CHECK(contains(r.out, line));
  fs::create_directory(dir / "models");
  fs::copy_file(source_dir() / "weights/fsrcnn_x2.safetensors", dir / "models/my_model.safetensors");
  cv::imwrite((dir / "a.png").string(), small_photo());
  const auto plan = run_cli({"a.png", "-s", "2", "-m", "models/my_model.safetensors", "--dry-run"}, dir.path());
  INFO(plan.err);
  CHECK(plan.exit_code == 0);
  CHECK(contains(plan.out + plan.err, "a_my_model_x2.png"));
  CHECK(!contains(plan.out + plan.err, "models/my_model_x2"));
}

}  // TEST_SUITE
