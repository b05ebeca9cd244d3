// SPDX-License-Identifier: Apache-2.0
// Input adapters: turn files into memory segments the search can scan.
// Separate from mquire.hpp so that including the core costs nothing more than
// Boost.Hana; these need POSIX (mmap) but no other library.
#pragma once

#include "sources/detect.hpp"
#include "sources/elf.hpp"
#include "sources/input_map.hpp"
#include "sources/lime.hpp"
#include "sources/mapped_file.hpp"
