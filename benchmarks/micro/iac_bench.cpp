// Plan classification speed (G1 target: >= 50% of the raw parse speed of the
// same files with the same JSON library). Both run over every plan in
// ../shared/data/terraform (our own fixtures when ../shared is absent):
// BM_PlanClassify takes the bytes as uploaded (decoding UTF-16, parsing,
// walking every resource change through the rules); BM_PlanRawParse only
// parses the same documents, already UTF-8, with simdjson.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ingest/kubernetes.h"
#include "ingest/terraform_plan.h"
#include "tests/support/temp_dir.h"

namespace cl {
namespace {

struct Corpus {
  std::vector<std::string> raw;   // as uploaded
  std::vector<std::string> utf8;  // decoded, for the raw parser
  size_t bytes = 0;
};

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const Corpus& Plans() {
  static const Corpus corpus = [] {
    Corpus c;
    std::string dir = testing::SharedData("terraform");
    if (dir.empty()) dir = std::string(CL_SOURCE_DIR) + "/tests/fixtures/iac";
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (!name.ends_with(".json") || name.starts_with("invalid")) continue;
      std::string bytes = Read(e.path());
      std::string encoding;
      auto text = ingest::DecodeText(bytes, &encoding);
      if (!text.ok()) std::abort();
      c.bytes += bytes.size();
      c.raw.push_back(std::move(bytes));
      c.utf8.push_back(std::move(*text));
    }
    return c;
  }();
  return corpus;
}

void BM_PlanClassify(benchmark::State& state) {
  const Corpus& c = Plans();
  ingest::PlanClassifier classifier(ingest::DefaultClassificationRules());
  size_t resources = 0;
  for (auto _ : state) {
    for (const std::string& plan : c.raw) {
      auto r = classifier.Classify(plan);
      if (!r.ok()) state.SkipWithError(r.status().message().c_str());
      resources += r->resources.size();
    }
  }
  benchmark::DoNotOptimize(resources);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
  state.counters["files"] = static_cast<double>(c.raw.size());
}
BENCHMARK(BM_PlanClassify)->Unit(benchmark::kMillisecond);

void BM_PlanRawParse(benchmark::State& state) {
  const Corpus& c = Plans();
  simdjson::dom::parser parser;
  size_t n = 0;
  for (auto _ : state) {
    for (const std::string& plan : c.utf8) {
      simdjson::dom::element root;
      if (parser.parse(plan.data(), plan.size()).get(root)) state.SkipWithError("parse failed");
      n += root.is_object();
    }
  }
  benchmark::DoNotOptimize(n);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
}
BENCHMARK(BM_PlanRawParse)->Unit(benchmark::kMillisecond);

// One big plan: the largest plan's resource changes repeated into a ~20 MB
// document, closer to what a large estate's plan looks like.
const std::string& BigPlan() {
  static const std::string big = [] {
    const Corpus& c = Plans();
    size_t largest = 0;
    for (size_t i = 1; i < c.utf8.size(); ++i) {
      if (c.utf8[i].size() > c.utf8[largest].size()) largest = i;
    }
    nlohmann::json j = nlohmann::json::parse(c.utf8[largest]);
    const nlohmann::json one = j["resource_changes"];
    nlohmann::json all = nlohmann::json::array();
    const size_t copies = std::max<size_t>(1, (20u << 20) / c.utf8[largest].size());
    for (size_t copy = 0; copy < copies; ++copy) {
      for (nlohmann::json rc : one) {
        rc["address"] = rc["address"].get<std::string>() + "_" + std::to_string(copy);
        all.push_back(std::move(rc));
      }
    }
    j["resource_changes"] = std::move(all);
    return j.dump();
  }();
  return big;
}

void BM_PlanClassifyLarge(benchmark::State& state) {
  const std::string& big = BigPlan();
  ingest::PlanClassifier classifier(ingest::DefaultClassificationRules());
  for (auto _ : state) {
    auto r = classifier.Classify(big);
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * big.size()));
}
BENCHMARK(BM_PlanClassifyLarge)->Unit(benchmark::kMillisecond);

void BM_PlanRawParseLarge(benchmark::State& state) {
  const std::string& big = BigPlan();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(big.data(), big.size()).get(root)) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * big.size()));
}
BENCHMARK(BM_PlanRawParseLarge)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cl
