# SPDX-License-Identifier: Apache-2.0
# The compression libraries kernel images need (gzip, xz/lzma, bzip2, lz4,
# lzo, zstd), as one interface target for the tool and the fuzz targets.
if(NOT TARGET mquire_decompressors)
  find_package(PkgConfig REQUIRED)
  find_package(ZLIB REQUIRED)
  find_package(BZip2 REQUIRED)
  pkg_check_modules(MQ_LZMA REQUIRED IMPORTED_TARGET liblzma)
  pkg_check_modules(MQ_ZSTD REQUIRED IMPORTED_TARGET libzstd)
  pkg_check_modules(MQ_LZ4 REQUIRED IMPORTED_TARGET liblz4)
  pkg_check_modules(MQ_LZO REQUIRED IMPORTED_TARGET lzo2)
  add_library(mquire_decompressors INTERFACE)
  target_link_libraries(mquire_decompressors INTERFACE ZLIB::ZLIB BZip2::BZip2 PkgConfig::MQ_LZMA PkgConfig::MQ_ZSTD
    PkgConfig::MQ_LZ4 PkgConfig::MQ_LZO)
endif()
