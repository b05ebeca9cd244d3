// SPDX-License-Identifier: Apache-2.0
// Rendering of the machine's identity (`sysinfo`): uname's fields, boot
// time and uptime, as text lines or one JSON object.
#pragma once

#include <cstdio>

#include <mquire/system/identity.hpp>
#include <mquire/system/kernel_log.hpp>

namespace tool {

void write_sysinfo(std::FILE* out, const mquire::system::identity& id, bool json);

// The kernel log: dmesg's lines, or (json) one object per record.
void write_dmesg(std::FILE* out, const mquire::system::kernel_log& log, bool json);

} // namespace tool
