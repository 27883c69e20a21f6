#include "photo_tags.hpp"

#include <cstring>

#include <lcms2.h>
#include <opencv2/imgcodecs.hpp>

#include "io/image_io.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace upsample::testing {

namespace fs = std::filesystem;

std::vector<std::byte> display_p3_profile() {
  const cmsCIExyY d65 = {0.3127, 0.3290, 1.0};
  const cmsCIExyYTRIPLE p3 = {{0.680, 0.320, 1.0}, {0.265, 0.690, 1.0}, {0.150, 0.060, 1.0}};
  const cmsFloat64Number srgb_curve[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
  cmsToneCurve* curve = cmsBuildParametricToneCurve(nullptr, 4, srgb_curve);
  cmsToneCurve* curves[3] = {curve, curve, curve};
  cmsHPROFILE profile = cmsCreateRGBProfile(&d65, &p3, curves);
  cmsUInt32Number size = 0;
  cmsSaveProfileToMem(profile, nullptr, &size);
  std::vector<std::byte> bytes(size);
  cmsSaveProfileToMem(profile, bytes.data(), &size);
  cmsCloseProfile(profile);
  cmsFreeToneCurve(curve);
  return bytes;
}

namespace {

void put_phone_exif(Exiv2::ExifData& exif, int width, int height) {
  exif["Exif.Image.Make"] = "Apple";
  exif["Exif.Image.Model"] = "iPhone 15 Pro";
  exif["Exif.Image.Orientation"] = static_cast<uint16_t>(6);
  exif["Exif.Image.XResolution"] = Exiv2::URational(300, 1);
  exif["Exif.Image.YResolution"] = Exiv2::URational(300, 1);
  exif["Exif.Image.ResolutionUnit"] = static_cast<uint16_t>(2);
  exif["Exif.Image.Copyright"] = "(c) A. Photographer";
  exif["Exif.Photo.DateTimeOriginal"] = "2026:07:14 18:30:05";
  exif["Exif.Photo.PixelXDimension"] = static_cast<uint32_t>(width);
  exif["Exif.Photo.PixelYDimension"] = static_cast<uint32_t>(height);
  exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
  exif["Exif.GPSInfo.GPSLongitudeRef"] = "E";
  Exiv2::URationalValue latitude, longitude;
  latitude.read("48/1 51/1 2400/100");
  longitude.read("2/1 21/1 300/100");
  exif["Exif.GPSInfo.GPSLatitude"] = latitude;
  exif["Exif.GPSInfo.GPSLongitude"] = longitude;
}

void put_phone_xmp(Exiv2::XmpData& xmp) {
  xmp["Xmp.dc.title"] = "lang=x-default Evening at the river";
  xmp["Xmp.xmp.Rating"] = 4;
}

}  // namespace

void write_phone_tags(const fs::path& file, int width, int height, const std::vector<std::byte>& icc) {
  auto image = Exiv2::ImageFactory::open(file.string());
  image->readMetadata();
  put_phone_exif(image->exifData(), width, height);
  if (image->mimeType() == "image/jpeg") {
    std::vector<uchar> thumbnail;
    cv::imencode(".jpg", cv::Mat(8, 8, CV_8UC3, cv::Scalar(40, 80, 120)), thumbnail);
    Exiv2::ExifThumb(image->exifData()).setJpegThumbnail(thumbnail.data(), static_cast<long>(thumbnail.size()));
  }
  put_phone_xmp(image->xmpData());
  Exiv2::IptcData& iptc = image->iptcData();
  for (const char* keyword : {"river", "evening"}) {
    Exiv2::StringValue value(keyword);
    iptc.add(Exiv2::IptcKey("Iptc.Application2.Keywords"), &value);
  }
  iptc["Iptc.Application2.Copyright"] = "(c) A. Photographer";
  Exiv2::DataBuf profile(reinterpret_cast<const Exiv2::byte*>(icc.data()), static_cast<long>(icc.size()));
  image->setIccProfile(profile, true);
  image->writeMetadata();
}

void write_icc_profile(const fs::path& file, const std::vector<std::byte>& icc) {
  auto image = Exiv2::ImageFactory::open(file.string());
  image->readMetadata();
  Exiv2::DataBuf profile(reinterpret_cast<const Exiv2::byte*>(icc.data()), static_cast<long>(icc.size()));
  image->setIccProfile(profile, true);
  image->writeMetadata();
}

cv::Mat rendered_as_srgb(const cv::Mat& bgr, const std::string& icc) {
  CV_Assert(bgr.type() == CV_8UC3 && bgr.isContinuous());
  cmsHPROFILE source = cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size()));
  CV_Assert(source != nullptr);
  cmsHPROFILE srgb = cmsCreate_sRGBProfile();
  cmsHTRANSFORM transform = cmsCreateTransform(source, TYPE_BGR_8, srgb, TYPE_BGR_8, INTENT_RELATIVE_COLORIMETRIC, 0);
  CV_Assert(transform != nullptr);
  cv::Mat out(bgr.size(), CV_8UC3);
  cmsDoTransform(transform, bgr.data, out.data, static_cast<cmsUInt32Number>(bgr.total()));
  cmsDeleteTransform(transform);
  cmsCloseProfile(srgb);
  cmsCloseProfile(source);
  return out;
}

PhoneTagBlocks phone_tag_blocks(int width, int height) {
  Exiv2::ExifData exif;
  put_phone_exif(exif, width, height);
  Exiv2::Blob blob;
  Exiv2::ExifParser::encode(blob, Exiv2::littleEndian, exif);
  Exiv2::XmpData xmp;
  put_phone_xmp(xmp);
  std::string packet;
  Exiv2::XmpParser::encode(packet, xmp);
  PhoneTagBlocks blocks;
  blocks.exif.resize(blob.size());
  std::memcpy(blocks.exif.data(), blob.data(), blob.size());
  blocks.xmp = packet;
  return blocks;
}

PhotoTags read_photo_tags(const fs::path& file) {
  PhotoTags tags;
  const std::string ext = io::extension_of(file);
  if (ext == "heic" || ext == "avif" || ext == "jxl") {
    io::PhotoMetadata metadata;
    io::load_image(file, {}, nullptr, &metadata);
    if (!metadata.exif.empty())
      Exiv2::ExifParser::decode(tags.exif, reinterpret_cast<const Exiv2::byte*>(metadata.exif.data()),
                                static_cast<uint32_t>(metadata.exif.size()));
    if (!metadata.xmp.empty()) Exiv2::XmpParser::decode(tags.xmp, metadata.xmp);
    tags.icc.assign(reinterpret_cast<const char*>(metadata.icc.data()), metadata.icc.size());
    return tags;
  }
  auto image = Exiv2::ImageFactory::open(file.string());
  image->readMetadata();
  tags.exif = image->exifData();
  tags.xmp = image->xmpData();
  tags.iptc = image->iptcData();
  if (image->iccProfileDefined())
    tags.icc.assign(reinterpret_cast<const char*>(image->iccProfile()->pData_),
                    static_cast<size_t>(image->iccProfile()->size_));
  return tags;
}

}  // namespace upsample::testing

#pragma GCC diagnostic pop
