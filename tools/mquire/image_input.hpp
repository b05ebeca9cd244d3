// SPDX-License-Identifier: Apache-2.0
// Kernel images as shipped: the kernel proper (vmlinux ELF, arm64 Image, a
// raw Image) inside zero or more wrappers - x86 bzImage, arm64 EFI zboot,
// ARM zImage, s390 and MIPS boot images, or a plain compressed file
// (Image.gz, vmlinux.xz). Wrappers are recognised by their headers where
// they have one (bzImage, zboot, a compression magic at offset 0); any other
// image is searched for embedded compressed streams, and the stream whose
// contents hold a kallsyms token table is the kernel.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <mquire/error.hpp>
#include <mquire/kallsyms/kernel_landmark.hpp>
#include <mquire/sources/image_headers.hpp>

#include "decompress.hpp"

namespace tool {

// Wrappers that name where their payload is. `progress` as for decompress().
mquire::result<decompressed> unpack_bzimage(std::span<const std::uint8_t> file, std::size_t limit = max_decompressed,
                                            decompress_budget* budget = nullptr, arrival_progress* progress = nullptr);
mquire::result<decompressed> unpack_efi_zboot(std::span<const std::uint8_t> file, std::size_t limit = max_decompressed,
                                              decompress_budget* budget = nullptr, arrival_progress* progress = nullptr);

// The header checks and the kallsyms landmark test come from the library.
using mquire::holds_kallsyms_landmark;
using mquire::sources::is_arm64_image;
using mquire::sources::is_arm_zimage;
using mquire::sources::is_bzimage;
using mquire::sources::is_efi_zboot;
using mquire::sources::is_riscv_image;
using mquire::sources::raw_image_name;

// How much embedded-stream searching one unpacking may do, over all its
// layers: hostile files full of magic bytes (or of compressed decoys inside
// compressed decoys) cost at most this many decompression attempts.
inline constexpr std::size_t max_embedded_attempts = 48;

// The kernel proper inside `file`, unwrapped through as many layers as it
// takes (at most 4). `how` says every step ("EFI zboot payload at 0x..., gzip
// -> arm64 Image"). A file without a wrapper header is searched for embedded
// streams straight away: the caller has already looked for kallsyms in the
// file itself. Errors say what was tried.
// `spent`, when given, receives the unpacking's byte budget and what it used.
mquire::result<decompressed> unpack_kernel_image(std::span<const std::uint8_t> file,
                                                 std::size_t limit = max_decompressed,
                                                 decompress_budget* spent = nullptr);

// What unpack_kernel_image does with a bzImage's or an EFI zboot's payload
// once unpack_bzimage / unpack_efi_zboot has decompressed it (`spent`: the
// bytes that took): the kernel, or the layers still inside it.
mquire::result<decompressed> settle_payload(decompressed payload, decompress_budget spent,
                                            std::size_t limit = max_decompressed);

} // namespace tool
