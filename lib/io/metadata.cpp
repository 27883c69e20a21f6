#include "io/metadata.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <mutex>

// exiv2 0.27's headers use std::auto_ptr, which C++20 deprecates.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <exiv2/exiv2.hpp>

#include "tensor/error.hpp"

namespace upsample::io {

namespace {

// exiv2's XMP toolkit and its log settings are process-wide and not thread-safe: every use
// goes through this lock. The work under it is small next to an upscale.
std::mutex& exiv2_mutex() {
  static std::mutex mutex;
  return mutex;
}

// exiv2 prints its warnings to stderr; a file it cannot parse is handled here instead.
void quiet_exiv2() {
  static const bool once = [] {
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::XmpParser::initialize();
    return true;
  }();
  (void)once;
}

// Tags that describe how the input file stored its pixels, not the photo: meaningless (or
// wrong) for the output, whose writer sets its own. ICC, XMP and IPTC travel on their own.
constexpr std::array<const char*, 27> kFileStructureTags = {
    "Exif.Image.NewSubfileType", "Exif.Image.SubfileType", "Exif.Image.BitsPerSample",
    "Exif.Image.Compression", "Exif.Image.PhotometricInterpretation", "Exif.Image.FillOrder",
    "Exif.Image.StripOffsets", "Exif.Image.SamplesPerPixel", "Exif.Image.RowsPerStrip",
    "Exif.Image.StripByteCounts", "Exif.Image.PlanarConfiguration", "Exif.Image.Predictor",
    "Exif.Image.TileWidth", "Exif.Image.TileLength", "Exif.Image.TileOffsets",
    "Exif.Image.TileByteCounts", "Exif.Image.ExtraSamples", "Exif.Image.SampleFormat",
    "Exif.Image.SubIFDs", "Exif.Image.JPEGTables", "Exif.Image.InterColorProfile",
    "Exif.Image.XMLPacket", "Exif.Image.IPTCNAA", "Exif.Image.ImageResources",
    "Exif.Image.JPEGInterchangeFormat", "Exif.Image.JPEGInterchangeFormatLength", "Exif.Image.StripByteCounts"};

const Exiv2::byte* bytes_of(std::span<const std::byte> s) { return reinterpret_cast<const Exiv2::byte*>(s.data()); }

std::vector<std::byte> to_bytes(const Exiv2::byte* data, size_t size) {
  std::vector<std::byte> out(size);
  if (size) std::memcpy(out.data(), data, size);
  return out;
}

void remove_key(Exiv2::ExifData& exif, const char* key) {
  for (auto it = exif.findKey(Exiv2::ExifKey(key)); it != exif.end(); it = exif.findKey(Exiv2::ExifKey(key)))
    exif.erase(it);
}

void set_if_present(Exiv2::ExifData& exif, const char* key, uint32_t value) {
  if (exif.findKey(Exiv2::ExifKey(key)) == exif.end()) return;
  remove_key(exif, key);
  exif[key] = value;
}

void set_if_present(Exiv2::XmpData& xmp, const char* key, const std::string& value, bool& changed) {
  const auto it = xmp.findKey(Exiv2::XmpKey(key));
  if (it == xmp.end() || it->toString() == value) return;
  it->setValue(value);
  changed = true;
}

// The EXIF block decoded and fitted to the output (see exif_for_output); called under the lock.
Exiv2::ExifData fitted_exif(std::span<const std::byte> block, cv::Size size) {
  Exiv2::ExifData exif;
  Exiv2::ExifParser::decode(exif, bytes_of(block), static_cast<uint32_t>(block.size()));
  Exiv2::ExifThumb(exif).erase();
  for (const char* key : kFileStructureTags) remove_key(exif, key);
  if (exif.findKey(Exiv2::ExifKey("Exif.Image.Orientation")) != exif.end()) {
    remove_key(exif, "Exif.Image.Orientation");
    exif["Exif.Image.Orientation"] = static_cast<uint16_t>(1);
  }
  // EXIF requires these of a compressed image: set even where the input left them out.
  remove_key(exif, "Exif.Photo.PixelXDimension");
  remove_key(exif, "Exif.Photo.PixelYDimension");
  exif["Exif.Photo.PixelXDimension"] = static_cast<uint32_t>(size.width);
  exif["Exif.Photo.PixelYDimension"] = static_cast<uint32_t>(size.height);
  set_if_present(exif, "Exif.Image.ImageWidth", static_cast<uint32_t>(size.width));
  set_if_present(exif, "Exif.Image.ImageLength", static_cast<uint32_t>(size.height));
  return exif;
}

std::vector<std::byte> encode_exif(const Exiv2::ExifData& exif, Exiv2::ByteOrder order) {
  if (exif.empty()) return {};
  Exiv2::Blob blob;
  Exiv2::ExifParser::encode(blob, order == Exiv2::invalidByteOrder ? Exiv2::littleEndian : order, exif);
  return to_bytes(blob.data(), blob.size());
}

Exiv2::ByteOrder byte_order_of(std::span<const std::byte> block) {
  if (block.size() >= 2 && block[0] == std::byte{'M'}) return Exiv2::bigEndian;
  return Exiv2::littleEndian;
}

// An EXIF block as exiv2 reads it, or nullopt for an empty or unreadable one.
std::optional<Exiv2::ExifData> decoded_exif(std::span<const std::byte> block) {
  if (block.empty()) return std::nullopt;
  std::lock_guard lock(exiv2_mutex());
  quiet_exiv2();
  try {
    Exiv2::ExifData exif;
    Exiv2::ExifParser::decode(exif, bytes_of(block), static_cast<uint32_t>(block.size()));
    return exif;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

PhotoMetadata read_metadata(std::span<const std::byte> file_bytes) {
  std::lock_guard lock(exiv2_mutex());
  quiet_exiv2();
  PhotoMetadata m;
  try {
    auto image = Exiv2::ImageFactory::open(bytes_of(file_bytes), static_cast<long>(file_bytes.size()));
    image->readMetadata();
    Exiv2::ExifData exif = image->exifData();
    for (const char* key : kFileStructureTags) remove_key(exif, key);
    m.exif = encode_exif(exif, image->byteOrder());
    m.xmp = image->xmpPacket();
    if (!image->iptcData().empty()) {
      const Exiv2::DataBuf iptc = Exiv2::IptcParser::encode(image->iptcData());
      m.iptc = to_bytes(iptc.pData_, static_cast<size_t>(iptc.size_));
    }
    if (image->iccProfileDefined())
      m.icc = to_bytes(image->iccProfile()->pData_, static_cast<size_t>(image->iccProfile()->size_));
    m.density = png_density(file_bytes);
  } catch (const std::exception&) {
    return {};
  }
  return m;
}

std::optional<int> orientation_in_exif(std::span<const std::byte> block) {
  const std::optional<Exiv2::ExifData> exif = decoded_exif(block);
  if (!exif) return std::nullopt;
  const auto it = exif->findKey(Exiv2::ExifKey("Exif.Image.Orientation"));
  if (it == exif->end() || it->count() == 0) return std::nullopt;
  const long value = it->toLong();
  if (value >= 1 && value <= 8) return static_cast<int>(value);
  return std::nullopt;
}

std::optional<PrintResolution> resolution_in_exif(std::span<const std::byte> block) {
  const std::optional<Exiv2::ExifData> exif = decoded_exif(block);
  if (!exif) return std::nullopt;
  const auto x = exif->findKey(Exiv2::ExifKey("Exif.Image.XResolution"));
  const auto y = exif->findKey(Exiv2::ExifKey("Exif.Image.YResolution"));
  const auto unit = exif->findKey(Exiv2::ExifKey("Exif.Image.ResolutionUnit"));
  if (x == exif->end() || y == exif->end() || x->count() == 0 || y->count() == 0) return std::nullopt;
  PrintResolution resolution{static_cast<int>(std::lround(x->toFloat())), static_cast<int>(std::lround(y->toFloat())),
                             unit != exif->end() && unit->count() > 0 ? static_cast<int>(unit->toLong()) : 2};
  if (resolution.x <= 0 || resolution.y <= 0) return std::nullopt;
  return resolution;
}

std::vector<std::byte> exif_for_output(std::span<const std::byte> block, cv::Size size) {
  if (block.empty()) return {};
  std::lock_guard lock(exiv2_mutex());
  quiet_exiv2();
  try {
    return encode_exif(fitted_exif(block, size), byte_order_of(block));
  } catch (const std::exception& e) {
    throw Error(std::string("cannot rewrite the EXIF data: ") + e.what());
  }
}

namespace {

std::string fitted_xmp(const std::string& packet, cv::Size size) {
  if (packet.empty()) return packet;
  Exiv2::XmpData xmp;
  if (Exiv2::XmpParser::decode(xmp, packet) != 0) return packet;
  bool changed = false;
  set_if_present(xmp, "Xmp.tiff.Orientation", "1", changed);
  set_if_present(xmp, "Xmp.tiff.ImageWidth", std::to_string(size.width), changed);
  set_if_present(xmp, "Xmp.tiff.ImageLength", std::to_string(size.height), changed);
  set_if_present(xmp, "Xmp.exif.PixelXDimension", std::to_string(size.width), changed);
  set_if_present(xmp, "Xmp.exif.PixelYDimension", std::to_string(size.height), changed);
  if (!changed) return packet;
  std::string out;
  if (Exiv2::XmpParser::encode(out, xmp, Exiv2::XmpParser::useCompactFormat) != 0) return packet;
  return out;
}

}  // namespace

std::string xmp_for_output(const std::string& xmp, cv::Size size) {
  std::lock_guard lock(exiv2_mutex());
  quiet_exiv2();
  try {
    return fitted_xmp(xmp, size);
  } catch (const std::exception&) {
    return xmp;
  }
}

std::vector<std::string> metadata_the_format_loses(const PhotoMetadata& m, const ImageFormat& format) {
  std::vector<std::string> lost;
  if (!m.exif.empty() && !format.exif) lost.emplace_back("EXIF");
  if (!m.xmp.empty() && !format.xmp) lost.emplace_back("XMP");
  if (!m.iptc.empty() && !format.iptc) lost.emplace_back("IPTC");
  if (!m.icc.empty() && !format.icc) lost.emplace_back("ICC profile");
  return lost;
}

std::string join_kinds(const std::vector<std::string>& kinds) {
  std::string text;
  for (size_t i = 0; i < kinds.size(); ++i)
    text += (i == 0 ? "" : i + 1 == kinds.size() ? " and " : ", ") + kinds[i];
  return text;
}

void embed_metadata(std::vector<unsigned char>& encoded, const ImageFormat& format, const PhotoMetadata& m,
                    cv::Size size) {
  const bool exif = format.exif && !m.exif.empty(), xmp = format.xmp && !m.xmp.empty();
  const bool iptc = format.iptc && !m.iptc.empty(), icc = format.icc && !m.icc.empty();
  if (!exif && !xmp && !iptc && !icc) return;
  std::lock_guard lock(exiv2_mutex());
  quiet_exiv2();
  try {
    auto image = Exiv2::ImageFactory::open(encoded.data(), static_cast<long>(encoded.size()));
    image->readMetadata();
    if (exif) {
      // Merged into what the writer put there, so a TIFF keeps its own structure tags.
      Exiv2::ExifData& target = image->exifData();
      for (const Exiv2::Exifdatum& datum : fitted_exif(m.exif, size)) {
        const Exiv2::ExifKey key(datum.key());
        for (auto it = target.findKey(key); it != target.end(); it = target.findKey(key)) target.erase(it);
        target.add(datum);
      }
    }
    if (xmp) {
      image->setXmpPacket(fitted_xmp(m.xmp, size));
      image->writeXmpFromPacket(true);
    }
    if (iptc) {
      Exiv2::IptcData records;
      Exiv2::IptcParser::decode(records, bytes_of(m.iptc), static_cast<uint32_t>(m.iptc.size()));
      image->setIptcData(records);
    }
    if (icc) {
      Exiv2::DataBuf profile(bytes_of(m.icc), static_cast<long>(m.icc.size()));
      image->setIccProfile(profile, false);
    }
    image->writeMetadata();
    Exiv2::BasicIo& io = image->io();
    io.open();
    io.seek(0, Exiv2::BasicIo::beg);
    const Exiv2::DataBuf written = io.read(io.size());
    io.close();
    encoded.assign(written.pData_, written.pData_ + written.size_);
  } catch (const std::exception& e) {
    throw Error(std::string("cannot write its metadata: ") + e.what());
  }
}

}  // namespace upsample::io

#pragma GCC diagnostic pop
