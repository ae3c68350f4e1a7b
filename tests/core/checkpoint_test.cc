// Tests for checkpoints: an exact round trip, refusing another model's
// checkpoint without touching the session, damaged and missing files, and
// atomic saves.
#include "core/checkpoint.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/optimizer.h"
#include "core/session.h"
#include "core/tensor.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "proto/model.pb.h"
#include "tests/model_test_util.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// A fresh, empty directory for one test.
std::string MakeTestDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(root != nullptr ? root : "/tmp", "/checkpoint_test_", name,
                   "_", ::getpid());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string VariableNode(const std::string& name, const std::string& dims,
                         const std::string& dtype = "float32") {
  return absl::StrCat(
      "  node { name: \"", name,
      "\" op: \"Variable\" attr { key: \"shape\" value { shape { ", dims,
      " } } } attr { key: \"dtype\" value { s: \"", dtype,
      "\" } } attr { key: \"initializer\" value { s: \"normal\" } } attr { "
      "key: \"stddev\" value { f: 1.0 } } }\n");
}

// A 2-3-1 network with Variables w1 [2, 3], b1 [3], w2 [3, 1].
std::string TwoLayerBody() {
  return absl::StrCat(
      "  node { name: \"x\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 2 } } } }\n"
      "  node { name: \"y\" op: \"Placeholder\" attr { key: \"shape\" value { "
      "shape { dim: -1 dim: 1 } } } }\n",
      VariableNode("w1", "dim: 2 dim: 3"), VariableNode("b1", "dim: 3"),
      VariableNode("w2", "dim: 3 dim: 1"),
      "  node { name: \"z1\" op: \"MatMul\" input: \"x\" input: \"w1\" }\n"
      "  node { name: \"z1b\" op: \"BiasAdd\" input: \"z1\" input: \"b1\" }\n"
      "  node { name: \"a1\" op: \"Sigmoid\" input: \"z1b\" }\n"
      "  node { name: \"p\" op: \"MatMul\" input: \"a1\" input: \"w2\" }\n"
      "  node { name: \"loss\" op: \"MeanSquaredError\" input: \"p\" input: "
      "\"y\" }\n");
}

std::unique_ptr<Session> MakeSession(const std::string& graph_body,
                                     uint64_t seed) {
  return SessionFromBody(graph_body, "c.pbtxt", {.seed = seed});
}

// Every variable's raw bytes, by name.
std::vector<std::pair<std::string, std::string>> VariableBytes(
    const Session& session) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int v : session.variable_nodes()) {
    const Tensor& t = session.variable(v);
    out.emplace_back(
        session.graph().node(v).name,
        std::string(static_cast<const char*>(t.raw_data()), t.num_bytes()));
  }
  return out;
}

// Trains `session` a few steps so its variables are not the initial ones.
void TrainSteps(Session& session, int steps) {
  ASSERT_OK(session.SetTraining("loss", Sgd()));
  const Tensor x = Tensor::FromValues(DType::kFloat32, Shape{3, 2},
                                      {0.1, 0.9, 0.3, 0.5, 0.7, 0.6});
  const Tensor y =
      Tensor::FromValues(DType::kFloat32, Shape{3, 1}, {0.92, 0.86, 0.89});
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  for (int i = 0; i < steps; ++i) {
    ASSERT_OK(session.TrainStep(feeds).status());
  }
}

TEST(CheckpointTest, RoundTripRestoresVariablesBitExactlyAndStep) {
  const std::string dir = MakeTestDir("roundtrip");
  const std::string path = dir + "/model.ckpt";
  auto trained = MakeSession(TwoLayerBody(), /*seed=*/7);
  ASSERT_NE(trained, nullptr);
  TrainSteps(*trained, 5);
  ASSERT_EQ(trained->step(), 5);
  ASSERT_OK(SaveCheckpoint(*trained, path));

  auto fresh = MakeSession(TwoLayerBody(), /*seed=*/12345);
  ASSERT_NE(fresh, nullptr);
  // A different seed gives different starting values.
  ASSERT_NE(VariableBytes(*fresh), VariableBytes(*trained));
  ASSERT_OK_AND_ASSIGN(Checkpoint checkpoint, ReadCheckpoint(path));
  EXPECT_EQ(checkpoint.format_version(), kCheckpointFormatVersion);
  EXPECT_EQ(checkpoint.step(), 5);
  EXPECT_EQ(checkpoint.variable_size(), 3);
  ASSERT_OK(RestoreCheckpoint(checkpoint, path, *fresh));
  EXPECT_EQ(VariableBytes(*fresh), VariableBytes(*trained));
  EXPECT_EQ(fresh->step(), 5);
}

UpdateRule SgdWithMomentum(double momentum) {
  OptimizerConfig config;
  config.set_name("SGD");
  (*config.mutable_attr())["momentum"].set_f(momentum);
  return MakeUpdateRule(config).value();
}

// Trains with momentum, so the checkpoint holds a "momentum" slot per
// trainable variable, and returns it.
Checkpoint MomentumCheckpoint(const std::string& path) {
  auto trained = MakeSession(TwoLayerBody(), /*seed=*/7);
  EXPECT_NE(trained, nullptr);
  EXPECT_OK(trained->SetTraining("loss", SgdWithMomentum(0.9)));
  const Tensor x = Tensor::FromValues(DType::kFloat32, Shape{3, 2},
                                      {0.1, 0.9, 0.3, 0.5, 0.7, 0.6});
  const Tensor y =
      Tensor::FromValues(DType::kFloat32, Shape{3, 1}, {0.92, 0.86, 0.89});
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  for (int i = 0; i < 3; ++i) EXPECT_OK(trained->TrainStep(feeds).status());
  EXPECT_OK(SaveCheckpoint(*trained, path));
  return ReadCheckpoint(path).value();
}

TEST(CheckpointTest, SlotsRoundTripBitExactly) {
  const std::string path = MakeTestDir("slots") + "/model.ckpt";
  const Checkpoint checkpoint = MomentumCheckpoint(path);
  EXPECT_EQ(checkpoint.slot_size(), 3);
  auto fresh = MakeSession(TwoLayerBody(), /*seed=*/1);
  ASSERT_OK(fresh->SetTraining("loss", SgdWithMomentum(0.9)));
  ASSERT_OK(RestoreCheckpoint(checkpoint, path, *fresh));
  for (const SlotValue& slot : checkpoint.slot()) {
    ASSERT_OK_AND_ASSIGN(const int node,
                         fresh->graph().FindNode(slot.variable()));
    ASSERT_OK_AND_ASSIGN(Tensor saved, TensorFromProto(slot.value(), "slot"));
    ExpectBitIdentical(fresh->slots(node)[0], saved);
  }
}

TEST(CheckpointTest, MissingSlotIsRefusedAndNothingChanges) {
  const std::string path = MakeTestDir("missing_slot") + "/model.ckpt";
  Checkpoint checkpoint = MomentumCheckpoint(path);
  const std::string dropped =
      checkpoint.slot(checkpoint.slot_size() - 1).variable();
  checkpoint.mutable_slot()->RemoveLast();
  auto fresh = MakeSession(TwoLayerBody(), /*seed=*/1);
  ASSERT_OK(fresh->SetTraining("loss", SgdWithMomentum(0.9)));
  const auto before = VariableBytes(*fresh);
  EXPECT_STATUS(
      RestoreCheckpoint(checkpoint, path, *fresh),
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("slot 'momentum' of variable '", dropped, "' is missing"));
  EXPECT_EQ(VariableBytes(*fresh), before);
  EXPECT_EQ(fresh->step(), 0);
}

// A corrupt or crafted checkpoint may declare a shape of 2^32 elements with
// one value to fill it (found with tests/fuzz:checkpoint_fuzzer). It is
// refused by comparing the declared shape with the model's before any
// value is read: filling it first needed 32 GB for each such entry.
TEST(CheckpointTest, HugeDeclaredShapesAreRefusedWithoutAllocating) {
  const std::string path = MakeTestDir("huge_shape") + "/model.ckpt";
  Checkpoint checkpoint = MomentumCheckpoint(path);
  for (TensorProto* value : {checkpoint.mutable_variable(0)->mutable_value(),
                             checkpoint.mutable_slot(0)->mutable_value()}) {
    value->mutable_shape()->clear_dim();
    value->mutable_shape()->add_dim(65536);
    value->mutable_shape()->add_dim(65536);
    value->clear_value();
    value->add_value(1.0);
  }
  auto fresh = MakeSession(TwoLayerBody(), /*seed=*/1);
  ASSERT_OK(fresh->SetTraining("loss", SgdWithMomentum(0.9)));
  const absl::Status status = RestoreCheckpoint(checkpoint, path, *fresh);
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                absl::StrCat("variable '", checkpoint.variable(0).name(),
                             "' is float32[65536, 65536] in the checkpoint"));
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                absl::StrCat("slot 'momentum' of variable '",
                             checkpoint.slot(0).variable(),
                             "' is float32[65536, 65536] in the checkpoint"));
  EXPECT_EQ(fresh->step(), 0);
}

TEST(CheckpointTest, SlotsTheSettingsDoNotKeepAreDropped) {
  const std::string path = MakeTestDir("no_momentum") + "/model.ckpt";
  const Checkpoint checkpoint = MomentumCheckpoint(path);
  auto fresh = MakeSession(TwoLayerBody(), /*seed=*/1);
  ASSERT_OK(fresh->SetTraining("loss", Sgd()));
  ASSERT_OK(RestoreCheckpoint(checkpoint, path, *fresh));
  EXPECT_EQ(fresh->step(), 3);
}

TEST(CheckpointTest, RoundTripOfFloat64VariablesIsBitExact) {
  const std::string dir = MakeTestDir("float64");
  const std::string path = dir + "/model.ckpt";
  const std::string body = VariableNode("v", "dim: 4 dim: 5", "float64");
  auto a = MakeSession(body, 1);
  auto b = MakeSession(body, 2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->set_step(42);
  ASSERT_OK(SaveCheckpoint(*a, path));
  ASSERT_NE(VariableBytes(*a), VariableBytes(*b));
  ASSERT_OK_AND_ASSIGN(Checkpoint checkpoint, ReadCheckpoint(path));
  ASSERT_OK(RestoreCheckpoint(checkpoint, path, *b));
  EXPECT_EQ(VariableBytes(*b), VariableBytes(*a));
  EXPECT_EQ(b->step(), 42);
}

TEST(CheckpointTest, AnotherModelIsRefusedNamingEveryDifference) {
  const std::string dir = MakeTestDir("other_model");
  const std::string path = dir + "/other.ckpt";
  // w1 has another shape, b1 another dtype, w2 is missing and w3 is extra.
  const std::string other = absl::StrCat(
      VariableNode("w1", "dim: 2 dim: 4"),
      VariableNode("b1", "dim: 3", "float64"), VariableNode("w3", "dim: 1"));
  auto source = MakeSession(other, 1);
  ASSERT_NE(source, nullptr);
  source->set_step(9);
  ASSERT_OK(SaveCheckpoint(*source, path));

  auto session = MakeSession(TwoLayerBody(), 3);
  ASSERT_NE(session, nullptr);
  const auto before = VariableBytes(*session);
  ASSERT_OK_AND_ASSIGN(Checkpoint checkpoint, ReadCheckpoint(path));
  absl::Status status = RestoreCheckpoint(checkpoint, path, *session);
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                absl::StrCat(path, ": checkpoint does not match the model"));
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "variable 'w1' is float32[2, 4] in the checkpoint but "
                "float32[2, 3] in the model");
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "variable 'b1' is float64[3] in the checkpoint but float32[3] "
                "in the model");
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "variable 'w3' is not a Variable of this model");
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "variable 'w2' of the model is missing");
  // Nothing changed.
  EXPECT_EQ(VariableBytes(*session), before);
  EXPECT_EQ(session->step(), 0);
}

TEST(CheckpointTest, CheckpointNamingANonVariableIsRefused) {
  const std::string dir = MakeTestDir("non_variable");
  const std::string path = dir + "/x.ckpt";
  auto session = MakeSession(TwoLayerBody(), 3);
  ASSERT_NE(session, nullptr);
  const auto before = VariableBytes(*session);
  ASSERT_OK(SaveCheckpoint(*session, path));
  ASSERT_OK_AND_ASSIGN(Checkpoint checkpoint, ReadCheckpoint(path));
  // Rename one entry to a Placeholder of the model.
  checkpoint.mutable_variable(0)->set_name("x");
  TrainSteps(*session, 1);
  const auto trained = VariableBytes(*session);
  absl::Status status = RestoreCheckpoint(checkpoint, path, *session);
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "variable 'x' is not a Variable of this model");
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "variable 'w1' of the model is missing");
  EXPECT_EQ(VariableBytes(*session), trained);
  EXPECT_EQ(session->step(), 1);
}

TEST(CheckpointTest, MissingFileIsNotFound) {
  const std::string dir = MakeTestDir("missing");
  const std::string path = dir + "/nothing.ckpt";
  EXPECT_STATUS(ReadCheckpoint(path), absl::StatusCode::kNotFound, path);
}

TEST(CheckpointTest, TruncatedFileIsDataLossNamingThePath) {
  const std::string dir = MakeTestDir("truncated");
  const std::string path = dir + "/model.ckpt";
  auto session = MakeSession(TwoLayerBody(), 1);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(SaveCheckpoint(*session, path));
  const std::string bytes = ReadBytes(path);
  ASSERT_GT(bytes.size(), 20u);
  const std::string cut = dir + "/cut.ckpt";
  WriteBytes(cut, bytes.substr(0, bytes.size() - 3));
  EXPECT_STATUS(ReadCheckpoint(cut), absl::StatusCode::kDataLoss,
                absl::StrCat(cut,
                             ": truncated or padded checkpoint: the "
                             "header promises ",
                             bytes.size() - 20, " bytes of data, the file has ",
                             bytes.size() - 23));
  WriteBytes(cut, bytes.substr(0, 12));
  EXPECT_STATUS(ReadCheckpoint(cut), absl::StatusCode::kDataLoss,
                absl::StrCat(cut,
                             ": truncated checkpoint: 12 bytes, the "
                             "header alone is 20"));
  WriteBytes(cut, bytes.substr(0, bytes.size() / 2));
  EXPECT_STATUS(ReadCheckpoint(cut), absl::StatusCode::kDataLoss, cut);
  WriteBytes(cut, "");
  EXPECT_STATUS(ReadCheckpoint(cut), absl::StatusCode::kDataLoss,
                absl::StrCat(cut, ": not a nabla checkpoint (0 bytes"));
}

TEST(CheckpointTest, NoTruncationRestoresSilently) {
  // Whatever length the file is cut to, reading or restoring it fails: a
  // torn checkpoint never half-restores a model.
  const std::string dir = MakeTestDir("every_prefix");
  const std::string path = dir + "/model.ckpt";
  auto source = MakeSession(TwoLayerBody(), 1);
  ASSERT_NE(source, nullptr);
  ASSERT_OK(SaveCheckpoint(*source, path));
  const std::string bytes = ReadBytes(path);
  auto target = MakeSession(TwoLayerBody(), 2);
  ASSERT_NE(target, nullptr);
  const auto before = VariableBytes(*target);
  const std::string cut = dir + "/cut.ckpt";
  for (size_t n = 0; n < bytes.size(); ++n) {
    WriteBytes(cut, bytes.substr(0, n));
    auto checkpoint = ReadCheckpoint(cut);
    if (!checkpoint.ok()) {
      EXPECT_EQ(checkpoint.status().code(), absl::StatusCode::kDataLoss)
          << "cut to " << n << " bytes: " << checkpoint.status();
      continue;
    }
    EXPECT_FALSE(RestoreCheckpoint(*checkpoint, cut, *target).ok())
        << "cut to " << n << " of " << bytes.size() << " bytes restored";
  }
  EXPECT_EQ(VariableBytes(*target), before);
}

TEST(CheckpointTest, GarbageFileIsDataLossNamingThePath) {
  const std::string dir = MakeTestDir("garbage");
  const std::string path = dir + "/garbage.ckpt";
  WriteBytes(path, "this is not a checkpoint at all\n");
  EXPECT_STATUS(ReadCheckpoint(path), absl::StatusCode::kDataLoss,
                absl::StrCat(path, ": "));
  // Parses as a protobuf, but with another format version.
  Checkpoint future;
  future.set_format_version(7);
  ASSERT_OK(WriteCheckpoint(future, path));
  EXPECT_STATUS(ReadCheckpoint(path), absl::StatusCode::kDataLoss,
                absl::StrCat(path,
                             ": checkpoint format version 7 is not "
                             "supported"));
  Checkpoint negative;
  negative.set_format_version(kCheckpointFormatVersion);
  negative.set_step(-4);
  ASSERT_OK(WriteCheckpoint(negative, path));
  EXPECT_STATUS(ReadCheckpoint(path), absl::StatusCode::kDataLoss,
                absl::StrCat(path, ": step -4 is outside [0, 2^62]"));
}

// Counters no run reaches, which would overflow as training went on, and a
// best epoch that contradicts the position.
TEST(CheckpointTest, UnreachableCountersAreDataLoss) {
  const std::string dir = MakeTestDir("counters");
  const std::string path = dir + "/c.ckpt";
  Checkpoint checkpoint;
  checkpoint.set_format_version(kCheckpointFormatVersion);
  checkpoint.set_step(int64_t{1} << 62);
  ASSERT_OK(WriteCheckpoint(checkpoint, path));
  ASSERT_OK(ReadCheckpoint(path).status());
  checkpoint.set_step((int64_t{1} << 62) + 1);
  ASSERT_OK(WriteCheckpoint(checkpoint, path));
  EXPECT_STATUS(ReadCheckpoint(path), absl::StatusCode::kDataLoss,
                absl::StrCat(path,
                             ": step 4611686018427387905 is outside [0, "
                             "2^62]"));
  checkpoint.set_step(5);
  checkpoint.mutable_position()->set_next_sample(-1);
  ASSERT_OK(WriteCheckpoint(checkpoint, path));
  EXPECT_STATUS(ReadCheckpoint(path), absl::StatusCode::kDataLoss,
                "position sample -1 is outside");
  checkpoint.mutable_position()->set_next_sample(0);
  checkpoint.mutable_position()->set_epoch(2);
  checkpoint.mutable_position()->set_best_epoch(3);
  ASSERT_OK(WriteCheckpoint(checkpoint, path));
  EXPECT_STATUS(ReadCheckpoint(path), absl::StatusCode::kDataLoss,
                "best epoch 3 is after the epochs finished, 2");
  checkpoint.mutable_position()->set_best_epoch(1);
  checkpoint.mutable_position()->set_best_value(std::nan(""));
  ASSERT_OK(WriteCheckpoint(checkpoint, path));
  EXPECT_STATUS(ReadCheckpoint(path), absl::StatusCode::kDataLoss,
                "best value nan is not a number");
}

TEST(CheckpointTest, VariableListedTwiceIsRefused) {
  const std::string dir = MakeTestDir("twice");
  const std::string path = dir + "/x.ckpt";
  auto session = MakeSession(TwoLayerBody(), 3);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(SaveCheckpoint(*session, path));
  ASSERT_OK_AND_ASSIGN(Checkpoint checkpoint, ReadCheckpoint(path));
  *checkpoint.add_variable() = checkpoint.variable(0);
  const std::string name = checkpoint.variable(0).name();
  EXPECT_STATUS(RestoreCheckpoint(checkpoint, path, *session),
                absl::StatusCode::kInvalidArgument,
                absl::StrCat("variable '", name, "' is listed twice"));
}

TEST(CheckpointTest, EveryFlippedByteIsCaught) {
  const std::string dir = MakeTestDir("flipped");
  const std::string path = dir + "/model.ckpt";
  auto session = MakeSession(TwoLayerBody(), 1);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(SaveCheckpoint(*session, path));
  const std::string bytes = ReadBytes(path);
  const std::string bad = dir + "/bad.ckpt";
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    WriteBytes(bad, flipped);
    EXPECT_EQ(ReadCheckpoint(bad).status().code(), absl::StatusCode::kDataLoss)
        << "byte " << i << " flipped";
  }
  // A flip in the data (after the 20-byte header) fails the checksum.
  std::string flipped = bytes;
  flipped[bytes.size() - 1] = static_cast<char>(flipped.back() ^ 1);
  WriteBytes(bad, flipped);
  EXPECT_STATUS(ReadCheckpoint(bad), absl::StatusCode::kDataLoss,
                absl::StrCat(bad, ": checksum mismatch (stored "));
  EXPECT_STATUS(ReadCheckpoint(bad), absl::StatusCode::kDataLoss,
                "): the checkpoint is corrupted");
}

// Kills per run of KillDuringSaveLeavesAValidCheckpoint, and the seed of
// their delays (NABLA_KILL_SEED=N in the environment picks another).
constexpr int kKills = 50;
constexpr uint64_t kKillSeed = 20240607;

// A process killed while it writes a checkpoint leaves the previous one
// intact: a child saves over and over, each save with the next step and
// that step in the variable's first element, and is killed after a random
// delay spread uniformly over two saves' time. After each kill the
// checkpoint reads, was written whole (its value matches its step), and is
// no older than the one before.
TEST(CheckpointTest, KillDuringSaveLeavesAValidCheckpoint) {
  const std::string dir = MakeTestDir("killed");
  const std::string path = dir + "/model.ckpt";
  // A big model so that each save takes a while.
  auto session = MakeSession(VariableNode("big", "dim: 512 dim: 512"), 1);
  ASSERT_NE(session, nullptr);
  const int big = session->variable_nodes()[0];
  Tensor marked = session->variable(big);
  auto save = [&](int64_t step) {
    session->set_step(step);
    marked.data<float>()[0] = static_cast<float>(step);
    absl::Status status = session->SetVariable(big, marked);
    return status.ok() ? SaveCheckpoint(*session, path) : status;
  };
  ASSERT_OK(save(0));
  // How long one save takes here, so that the delays cover a save whatever
  // the disk.
  constexpr int kTimedSaves = 5;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kTimedSaves; ++i) ASSERT_OK(save(0));
  const int64_t save_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count() /
                          kTimedSaves;
  const char* seed_text = std::getenv("NABLA_KILL_SEED");
  const uint64_t seed =
      seed_text != nullptr ? std::strtoull(seed_text, nullptr, 10) : kKillSeed;
  std::cout << "one save takes " << save_us << " us; " << kKills
            << " kills after 0 to " << 2 * save_us << " us, seed " << seed
            << "\n";
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> delay_us(0, 2 * save_us);
  int64_t saved = 0;  // the step of the checkpoint on disk
  int advanced = 0;   // kills after which a newer checkpoint was there
  for (int kill = 0; kill < kKills; ++kill) {
    const int64_t delay = delay_us(rng);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int64_t step = saved + 1;; ++step) {
        if (!save(step).ok()) ::_exit(1);
      }
    }
    ::usleep(static_cast<useconds_t>(delay));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped by itself";
    // The kill may leave the child's temporary file.
    std::remove(absl::StrCat(path, ".tmp.", child).c_str());
    const std::string context =
        absl::StrCat("kill ", kill, " after ", delay, " us, seed ", seed);
    auto checkpoint = ReadCheckpoint(path);
    ASSERT_TRUE(checkpoint.ok()) << context << ": " << checkpoint.status();
    ASSERT_GE(checkpoint->step(), saved) << context;
    ASSERT_EQ(checkpoint->variable_size(), 1) << context;
    ASSERT_OK_AND_ASSIGN(
        Tensor value, TensorFromProto(checkpoint->variable(0).value(), "big"));
    ASSERT_EQ(value.ValueAt(0), static_cast<double>(checkpoint->step()))
        << context << ": the variable is from another save than the step";
    if (checkpoint->step() > saved) ++advanced;
    saved = checkpoint->step();
  }
  std::cout << advanced << " of " << kKills
            << " kills found a newer checkpoint than the one before\n";
  // Else no kill came after a whole save: the delays missed their range.
  EXPECT_GT(advanced, 0) << "seed " << seed;
}

TEST(CheckpointTest, DirectoryIsNotACheckpoint) {
  const std::string dir = MakeTestDir("dir");
  EXPECT_STATUS(ReadCheckpoint(dir), absl::StatusCode::kInvalidArgument,
                absl::StrCat(dir, ": is a directory"));
}

TEST(CheckpointTest, SavingOverAnExistingCheckpointLeavesNoTemporaryFiles) {
  const std::string dir = MakeTestDir("overwrite");
  const std::string path = dir + "/model.ckpt";
  auto session = MakeSession(TwoLayerBody(), 1);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(SaveCheckpoint(*session, path));
  TrainSteps(*session, 2);
  ASSERT_OK(SaveCheckpoint(*session, path));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"model.ckpt"});
  ASSERT_OK_AND_ASSIGN(Checkpoint checkpoint, ReadCheckpoint(path));
  EXPECT_EQ(checkpoint.step(), 2);
  EXPECT_EQ(checkpoint.optimizer(), "SGD");
}

// A save cleans up what an earlier one killed mid-way left behind: the
// temporary files of this path whose process is gone, and only those.
TEST(CheckpointTest, SaveRemovesStaleTemporariesOfDeadProcesses) {
  const std::string dir = MakeTestDir("stale");
  const std::string path = dir + "/model.ckpt";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);  // now a pid of no process
  const std::vector<std::string> kept = {
      absl::StrCat("model.ckpt.tmp.", getppid()),  // a live process's save
      "model.ckpt.tmp.notapid", "other.ckpt.tmp.1234567"};
  for (const std::string& name : kept) WriteBytes(dir + "/" + name, "x");
  WriteBytes(absl::StrCat(path, ".tmp.", child), "partial");
  auto session = MakeSession(TwoLayerBody(), 1);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(SaveCheckpoint(*session, path));
  std::vector<std::string> expected = kept;
  expected.push_back("model.ckpt");
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> listed = ListDir(dir);
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, expected);
}

TEST(CheckpointTest, SaveIntoMissingDirectoryFails) {
  const std::string dir = MakeTestDir("no_dir");
  const std::string path = dir + "/does/not/exist/model.ckpt";
  auto session = MakeSession(TwoLayerBody(), 1);
  ASSERT_NE(session, nullptr);
  absl::Status status = SaveCheckpoint(*session, path);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(absl::StrContains(status.message(), path)) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "No such file or directory"))
      << status;
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(CheckpointTest, FailedSaveKeepsTheOldCheckpointAndCleansUp) {
  const std::string dir = MakeTestDir("rename_fails");
  // The target is a non-empty directory: the temporary file is written, but
  // cannot be renamed over it.
  const std::string path = dir + "/model.ckpt";
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  WriteBytes(path + "/keep", "x");
  auto session = MakeSession(TwoLayerBody(), 1);
  ASSERT_NE(session, nullptr);
  absl::Status status = SaveCheckpoint(*session, path);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(absl::StrContains(status.message(), path)) << status;
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"model.ckpt"});
  EXPECT_EQ(ListDir(path), std::vector<std::string>{"keep"});
}

}  // namespace
}  // namespace nabla
