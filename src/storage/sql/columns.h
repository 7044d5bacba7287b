// A query's column list, written once: the SELECT (or INSERT) column list is
// produced from it, and row readers look columns up by name at compile time
// (r.Int(kChange["number"])), so a reordered or renamed column cannot silently
// read the wrong field. An unknown or repeated name does not compile.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace cl::sql {

template <size_t N>
struct Columns {
  std::array<std::string_view, N> names;

  static constexpr size_t size() { return N; }

  // The position of `name` in the list. Only usable in constant expressions:
  // an unknown name reaches the throw, which makes the call fail to compile.
  consteval int operator[](std::string_view name) const {
    for (size_t i = 0; i < N; ++i) {
      if (names[i] == name) return static_cast<int>(i);
    }
    throw "no such column";
  }

  // "a, b, c", for SQL text.
  std::string List() const {
    std::string out;
    for (std::string_view n : names) {
      if (!out.empty()) out += ", ";
      out += n;
    }
    return out;
  }

  // The first M columns (a query that leaves the rest out); every column they
  // keep has the same position in both lists.
  template <size_t M>
  consteval Columns<M> First() const {
    static_assert(M <= N, "more columns than the list has");
    Columns<M> out{};
    for (size_t i = 0; i < M; ++i) out.names[i] = names[i];
    return out;
  }
};

// MakeColumns("id", "number", ...): a Columns whose names are all different
// (a repeated name fails to compile: lookups would only ever find the first).
template <typename... S>
consteval auto MakeColumns(S... s) {
  Columns<sizeof...(S)> out{{std::string_view(s)...}};
  for (size_t i = 0; i < out.names.size(); ++i) {
    for (size_t j = i + 1; j < out.names.size(); ++j) {
      if (out.names[i] == out.names[j]) throw "repeated column";
    }
  }
  return out;
}

}  // namespace cl::sql
