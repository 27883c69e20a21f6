// The PNG encoder that compresses parts of the rows on several threads
// (io/png_parallel_encoder.hpp): its files decode, through libpng, to the image, whatever
// the number of parts, for every type it takes.
#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>

#include "io/png_parallel_encoder.hpp"
#include "tensor/error.hpp"

namespace io = upsample::io;

TEST_SUITE("png parallel encoder") {

TEST_CASE("a PNG compressed in parts decodes to the image, for 8 and 16 bits, grey, colour and alpha") {
  for (const int type : {CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3, CV_16UC4}) {
    cv::Mat image(97, 61, type);
    cv::randu(image, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
    image.rowRange(10, 40).setTo(cv::Scalar::all(3));  // runs, for the run-length strategy
    // One part; a few rows a part (the last part short); one row a part.
    const size_t row_bytes = 1 + image.cols * image.elemSize();
    for (const size_t part_bytes : {size_t{1} << 30, 7 * row_bytes, size_t{1}}) {
      CAPTURE(type);
      CAPTURE(part_bytes);
      const std::vector<unsigned char> png = io::encode_png_in_parallel(image, part_bytes);
      const cv::Mat back = cv::imdecode(png, cv::IMREAD_UNCHANGED);
      REQUIRE(back.type() == type);
      CHECK(cv::norm(back, image, cv::NORM_INF) == 0);
    }
  }
}

TEST_CASE("the parallel PNG encoder refuses what PNG cannot hold as it is") {
  CHECK_THROWS_AS(io::encode_png_in_parallel(cv::Mat(4, 4, CV_32FC1)), upsample::Error);
  CHECK_THROWS_AS(io::encode_png_in_parallel(cv::Mat(4, 4, CV_8UC2)), upsample::Error);
  CHECK_THROWS_AS(io::encode_png_in_parallel(cv::Mat()), upsample::Error);
}

}  // TEST_SUITE
