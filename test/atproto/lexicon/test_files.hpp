// Locating and reading the fixtures the lexicon tests use (WINTERMUTE_SHARED,
// WINTERMUTE_TEST_DATA set by test/meson.build).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace lexicon_test {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline std::string env_dir(const char* name) {
    const char* dir = std::getenv(name);
    if (dir == nullptr) throw std::runtime_error(std::string(name) + " is not set");
    return dir;
}

inline std::string shared_file(const std::string& relative) { return read_file(env_dir("WINTERMUTE_SHARED") + "/" + relative); }
inline std::string data_file(const std::string& relative) { return read_file(env_dir("WINTERMUTE_TEST_DATA") + "/" + relative); }

}  // namespace lexicon_test
