#include "ingest/yaml_reader.h"

namespace cl {

std::string Where(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return "";
  return fmt::format("line {}, column {}: ", m.line + 1, m.column + 1);
}

}  // namespace cl
