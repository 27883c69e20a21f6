#include "io/webp_metadata.hpp"

#include <memory>
#include <string>

#include <webp/mux.h>

#include "tensor/error.hpp"

namespace upsample::io {

namespace {

WebPData webp_data_of(const void* bytes, size_t size) { return {static_cast<const uint8_t*>(bytes), size}; }

}  // namespace

void embed_webp_metadata(std::vector<unsigned char>& encoded, const PhotoMetadata& metadata) {
  const WebPData image = webp_data_of(encoded.data(), encoded.size());
  const std::unique_ptr<WebPMux, decltype(&WebPMuxDelete)> mux(WebPMuxCreate(&image, 1), WebPMuxDelete);
  if (!mux) throw Error("cannot write its metadata: libwebpmux cannot read the encoded WebP");
  const auto add = [&](const char* chunk, const void* bytes, size_t size) {
    if (size == 0) return;
    const WebPData data = webp_data_of(bytes, size);
    if (WebPMuxSetChunk(mux.get(), chunk, &data, 1) != WEBP_MUX_OK)
      throw Error(std::string("cannot write its metadata: libwebpmux refuses the ") + chunk + " chunk");
  };
  add("ICCP", metadata.icc.data(), metadata.icc.size());
  add("EXIF", metadata.exif.data(), metadata.exif.size());
  add("XMP ", metadata.xmp.data(), metadata.xmp.size());
  WebPData assembled;
  WebPDataInit(&assembled);
  if (WebPMuxAssemble(mux.get(), &assembled) != WEBP_MUX_OK) throw Error("cannot write its metadata: libwebpmux failed");
  encoded.assign(assembled.bytes, assembled.bytes + assembled.size);
  WebPDataClear(&assembled);
}

}  // namespace upsample::io
