#include "server/text_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cl {

Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  if (text.size() > max_bytes) return InvalidArgument(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  return text;
}

}  // namespace cl
