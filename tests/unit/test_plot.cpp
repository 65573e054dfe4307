// test_plot.cpp: `sgm plot` and its figure library: ticks, pixels, the files of run and sweep
// directories, malformed inputs, and the command.
#include <catch2/catch.hpp>

#include <cairo/cairo.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <sgm/error.hpp>

#include "../../framework/src/plot_figure.hpp"
#include "sgm/host/output.hpp"
#include "sgm/host/plot.hpp"
#include "sgm/host/runner.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace sgm::host;
using sgm::test::fresh_dir;
using sgm::test::read_file;

namespace {

fs::path make_dir(const std::string& name) {
  const fs::path d = fresh_dir(name);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

// A PNG read back with Cairo; the surface is null when the file is not a PNG.
struct Png {
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface{nullptr, cairo_surface_destroy};
  explicit Png(const fs::path& file) : surface(cairo_image_surface_create_from_png(file.c_str()), cairo_surface_destroy) {}
  bool ok() const { return cairo_surface_status(surface.get()) == CAIRO_STATUS_SUCCESS; }
  int width() const { return cairo_image_surface_get_width(surface.get()); }
  int height() const { return cairo_image_surface_get_height(surface.get()); }
  // Red, green and blue of pixel (x, y) (the format is RGB24 or ARGB32: 32-bit native words).
  std::array<int, 3> rgb(int x, int y) const {
    const unsigned char* row = cairo_image_surface_get_data(surface.get()) +
                               static_cast<std::ptrdiff_t>(y) * cairo_image_surface_get_stride(surface.get());
    std::uint32_t word = 0;
    std::memcpy(&word, row + 4 * x, 4);
    return {static_cast<int>((word >> 16) & 0xff), static_cast<int>((word >> 8) & 0xff), static_cast<int>(word & 0xff)};
  }
};

void check_png(const fs::path& file, int width = 640, int height = 480) {
  INFO(file.string());
  const std::string bytes = read_file(file);
  REQUIRE(bytes.size() > 8);
  CHECK(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  const Png png(file);
  REQUIRE(png.ok());
  CHECK(png.width() == width);
  CHECK(png.height() == height);
}

void check_svg(const fs::path& file) {
  INFO(file.string());
  std::string text = read_file(file);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  CHECK(text.rfind("<?xml", 0) == 0);
  const auto svg = text.find("<svg");
  REQUIRE(svg != std::string::npos);
  const std::string tag = text.substr(svg, text.find('>', svg) - svg);
  CHECK(tag.find("width=\"640") != std::string::npos);
  CHECK(tag.find("height=\"480") != std::string::npos);
  CHECK(text.size() >= 6);
  CHECK(text.substr(text.size() - 6) == "</svg>");
}

// Every file written exists, and is a good SVG or PNG of the default size.
void check_files(const std::vector<fs::path>& files) {
  for (const auto& f : files) {
    REQUIRE(fs::exists(f));
    CHECK_FALSE(fs::exists(f.string() + ".tmp"));
    if (f.extension() == ".png") check_png(f);
    else check_svg(f);
  }
}

std::vector<std::string> names(const std::vector<fs::path>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.filename().string());
  return out;
}

// n points of a 2-D spiral, as CSV rows "x,y".
std::string spiral_rows(int n, double scale) {
  std::string rows;
  for (int i = 0; i < n; ++i) {
    const double t = 0.05 * i;
    rows += fmt::format("{},{}\n", scale * t * std::cos(t), scale * t * std::sin(t));
  }
  return rows;
}

// A run directory with every input: 2-D samples and data, three trajectories, a loss curve.
fs::path synthetic_run(const std::string& name) {
  const fs::path d = make_dir(name);
  write(d / "pipeline.toml", "[dataset]\nplugin = \"gmm\"\n[sde]\nplugin = \"vp\"\n[sample]\nplugin = \"euler_maruyama\"\n");
  write(d / "samples.csv", "x0,x1\n" + spiral_rows(300, 1.0));
  write(d / "reference.csv", "x0,x1\n" + spiral_rows(300, 1.05));
  std::string traj = "step,particle,x0,x1\n";
  for (int step = 0; step <= 10; ++step)
    for (int p = 0; p < 3; ++p) traj += fmt::format("{},{},{},{}\n", step, p, 3.0 - 0.2 * step + p, 0.1 * step * p);
  write(d / "trajectories.csv", traj);
  std::string loss = "step,loss,grad_norm,lr,seconds\n";
  for (int step = 1; step <= 50; ++step) loss += fmt::format("{},{},1,0.001,0.1\n", step, 10.0 / step);
  write(d / "loss.csv", loss);
  return d;
}

// sweep.csv: sde.plugin x sample.steps, two metrics, a baseline for one, one failed point.
const char* kSweepCsv =
    "point,sde.plugin,sample.steps,status,nfe,sample_seconds,moments.mean_error,sw.sw2,baseline:sw.sw2\n"
    "0,vp,10,ok,10,0.1,0.5,0.30,0.02\n"
    "1,vp,30,ok,30,0.2,0.2,0.10,0.02\n"
    "2,vp,100,ok,100,0.5,0.1,0.05,0.02\n"
    "3,ve,10,ok,10,0.1,0.9,0.60,0.02\n"
    "4,ve,30,\"failed: diverged, at t=0.5\",,,,,\n"
    "5,ve,100,ok,100,0.5,0.2,0.08,0.02\n"
    "6,ve,30,ok,30,0.2,0.4,0.20,0.02\n";

bool is_one_two_five(double step) {
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  return std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 || std::abs(mantissa - 5) < 1e-6;
}

}  // namespace

TEST_CASE("nice ticks are 1-2-5 multiples that cover the range", "[plot][unit]") {
  const std::vector<std::pair<double, double>> ranges = {
      {0, 1}, {0.013, 0.87}, {-3.2, 1e4}, {5, 5}, {0, 0}, {-1e-5, 3e-5}, {1e6, 1.5e6}, {-7, -6.5}, {1e15, 1e15 + 3}};
  for (const auto& [lo, hi] : ranges) {
    INFO("range [" << lo << ", " << hi << "]");
    const auto ticks = plot::nice_ticks(lo, hi);
    REQUIRE(ticks.size() >= 3);
    CHECK(ticks.size() <= 10);
    const double step = ticks[1] - ticks[0];
    CHECK(is_one_two_five(step));
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      CHECK(ticks[i] / step == Approx(std::round(ticks[i] / step)).margin(1e-6));    // multiples of the step
      if (i > 0) CHECK(ticks[i] - ticks[i - 1] == Approx(step).epsilon(1e-9));      // evenly spaced
    }
    CHECK(ticks.front() <= lo);
    CHECK(ticks.back() >= hi);
    if (lo == hi) CHECK((ticks.front() < lo && ticks.back() > hi));  // a single value gets room
  }
  CHECK(plot::nice_ticks(0, 1) == std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1.0});
  CHECK(plot::nice_ticks(0, std::nan("")).empty());
}

TEST_CASE("tick labels use the step's decimals, and exponents for large or tiny steps", "[plot][unit]") {
  CHECK(plot::tick_labels({0, 0.2, 0.4}) == std::vector<std::string>{"0.0", "0.2", "0.4"});
  CHECK(plot::tick_labels({-2000, 0, 2000}) == std::vector<std::string>{"-2000", "0", "2000"});
  CHECK(plot::tick_labels({0.01, 0.02, 0.03}) == std::vector<std::string>{"0.01", "0.02", "0.03"});
  CHECK(plot::tick_labels({0, 5e4, 1e5, 1.5e5}) == std::vector<std::string>{"0", "5e+04", "1.0e+05", "1.5e+05"});
  CHECK(plot::tick_labels({2e-4, 4e-4}) == std::vector<std::string>{"2e-04", "4e-04"});
  // Rounding noise of a tick at zero does not print as -0.0 or 1e-17.
  CHECK(plot::tick_labels({-0.2, 5.551115123125783e-17, 0.2})[1] == "0.0");
}

TEST_CASE("log ticks are decades, or 1-2-5 multiples over a short range", "[plot][unit]") {
  CHECK(plot::log_ticks(1, 1000) == std::vector<double>{1, 10, 100, 1000});
  CHECK(plot::log_ticks(30, 700) == std::vector<double>{50, 100, 200, 500});
  CHECK(plot::log_ticks(1e-20, 1e20).size() <= 10);
  CHECK(plot::log_ticks(0, 10).empty());
}

TEST_CASE("a scatter at one point inks the pixels there and nowhere else", "[plot][unit]") {
  const fs::path d = make_dir("plot_pixels");
  plot::Figure f("one place");
  f.set_xlim(0, 10).set_ylim(0, 10).set_xlabel("x").set_ylabel("y");
  std::vector<double> xs(200, 2.5), ys(200, 7.5);
  xs.push_back(1e12);  // far outside the limits: must not wrap around into view
  ys.push_back(-3e11);
  f.scatter(xs, ys);
  f.write_png(d / "dot.png");
  check_png(d / "dot.png");
  // The limits map to the frame, which fills the image but for margins for labels and title.
  const auto [left, top] = f.to_pixel(0, 10);
  const auto [right, bottom] = f.to_pixel(10, 0);
  CHECK((left > 30 && left < 100));
  CHECK((top > 20 && top < 60));
  CHECK((right > 580 && right < 640));
  CHECK((bottom > 400 && bottom < 460));
  const auto [px, py] = f.to_pixel(2.5, 7.5);
  CHECK(px == Approx(left + 0.25 * (right - left)));
  CHECK(py == Approx(top + 0.25 * (bottom - top)));
  const Png png(d / "dot.png");
  REQUIRE(png.ok());
  CHECK(png.rgb(static_cast<int>(left), static_cast<int>(bottom) - 1)[0] < 100);  // the frame, dark
  const auto blue = [](const std::array<int, 3>& c) { return c[2] - c[0] > 60; };  // the first colour
  CHECK(blue(png.rgb(static_cast<int>(px), static_cast<int>(py))));
  int inked = 0;
  for (int y = 0; y < png.height(); ++y)
    for (int x = 0; x < png.width(); ++x)
      if (blue(png.rgb(x, y))) {
        ++inked;
        INFO("blue pixel at " << x << "," << y << ", the dot is at " << px << "," << py);
        REQUIRE(std::hypot(x + 0.5 - px, y + 0.5 - py) < 3);
      }
  CHECK(inked >= 4);
  // Far away, between grid lines (ticks are 2 apart): the white background.
  const auto [far_x, far_y] = f.to_pixel(5, 3);
  CHECK(png.rgb(static_cast<int>(far_x), static_cast<int>(far_y)) == std::array<int, 3>{255, 255, 255});
}

TEST_CASE("a line to a point far outside fixed limits keeps its direction", "[plot][unit]") {
  const fs::path d = make_dir("plot_far_line");
  plot::Figure f;
  f.set_xlim(0, 10).set_ylim(0, 10);
  f.line({1, 1e9}, {1, 1e9}).width = 2;  // y = x: the frame's diagonal, whatever the far end
  f.write_png(d / "line.png");
  const auto [x0, y0] = f.to_pixel(0, 0);
  const auto [x1, y1] = f.to_pixel(10, 10);
  const Png png(d / "line.png");
  REQUIRE(png.ok());
  int inked = 0;
  for (int y = 0; y < png.height(); ++y)
    for (int x = 0; x < png.width(); ++x) {
      const auto c = png.rgb(x, y);
      if (c[2] - c[0] < 60) continue;  // not the line's blue
      ++inked;
      // Distance from the pixel's centre to the diagonal through (x0, y0) and (x1, y1).
      const double cross = (x1 - x0) * (y + 0.5 - y0) - (y1 - y0) * (x + 0.5 - x0);
      INFO("blue pixel at " << x << "," << y);
      REQUIRE(std::abs(cross) / std::hypot(x1 - x0, y1 - y0) < 3);
    }
  CHECK(inked > 300);  // the diagonal from (1, 1) to the frame's corner
}

TEST_CASE("plot_run_dir draws samples, trajectories and loss as SVG and PNG", "[plot][unit]") {
  const fs::path d = synthetic_run("plot_run");
  const auto files = plot_run_dir(d);
  CHECK(names(files) == std::vector<std::string>{"samples.svg", "samples.png", "trajectories.svg",
                                                 "trajectories.png", "loss.svg", "loss.png"});
  for (const auto& f : files) CHECK(f.parent_path() == d / "plots");
  check_files(files);

  SECTION("plots whose inputs are missing are left out") {
    fs::remove(d / "trajectories.csv");
    fs::remove(d / "loss.csv");
    fs::remove(d / "plots" / "samples.png");
    CHECK(names(plot_run_dir(d)) == std::vector<std::string>{"samples.svg", "samples.png"});
    CHECK(fs::exists(d / "plots" / "samples.png"));
  }
}

TEST_CASE("plot_run_dir reads samples.npy, draws 1-D and d > 2 samples, skips NaN", "[plot][unit]") {
  const fs::path d = make_dir("plot_run_shapes");
  SECTION("samples.npy, 3-D") {
    sgm::Matrix m(400, 3);
    for (Eigen::Index i = 0; i < m.rows(); ++i) m.row(i) << std::sin(0.1 * i), std::cos(0.1 * i), 0.01 * i;
    write_atomic(d / "samples.npy", to_npy(m));
    check_files(plot_run_dir(d));
  }
  SECTION("1-D samples with a NaN row, over 1-D data") {
    std::string rows = "x0\n";
    for (int i = 0; i < 500; ++i) rows += fmt::format("{}\n", std::sin(0.37 * i));
    write(d / "samples.csv", rows + "nan\n");
    write(d / "reference.csv", rows);
    std::string traj = "step,particle,x0\n";
    for (int step = 0; step < 5; ++step) traj += fmt::format("{},0,{}\n{},1,{}\n", step, 0.1 * step, step, -0.1 * step);
    write(d / "trajectories.csv", traj);
    const auto files = plot_run_dir(d);
    CHECK(files.size() == 4);
    check_files(files);
  }
}

TEST_CASE("malformed inputs are refused with file and line", "[plot][unit]") {
  const fs::path d = make_dir("plot_bad");
  SECTION("a row with too many fields") {
    write(d / "samples.csv", "x0,x1\n1,2\n3,4,5\n");
    CHECK_THROWS_WITH(plot_run_dir(d), Catch::Contains("samples.csv:3: 3 fields, header has 2"));
  }
  SECTION("a field that is not a number") {
    write(d / "samples.csv", "x0,x1\n1,2\n\n3,abc\n");  // the blank line still counts
    CHECK_THROWS_WITH(plot_run_dir(d), Catch::Contains("samples.csv:4: column 'x1': 'abc' is not a number"));
  }
  SECTION("an unclosed quote in a sweep table") {
    write(d / "sweep.csv", "point,sde.plugin,status,sw.sw2\n0,\"vp,ok,1\n");
    CHECK_THROWS_WITH(plot_dir(d), Catch::Contains("sweep.csv:2: a quoted field is not closed"));
  }
  SECTION("trajectories without step and particle columns") {
    write(d / "trajectories.csv", "x0,x1\n1,2\n");
    CHECK_THROWS_WITH(plot_run_dir(d), Catch::Contains("trajectories.csv: the header must start with step,particle"));
  }
  SECTION("a directory with nothing to plot, and none at all") {
    CHECK_THROWS_WITH(plot_dir(d), Catch::Contains("nothing to plot"));
    CHECK_THROWS_WITH(plot_dir(d / "missing"), Catch::Contains("missing: no such directory"));
    CHECK_THROWS_AS(plot_dir(d / "missing"), sgm::Error);
  }
}

TEST_CASE("a sweep over a numeric and a categorical axis: one line per category", "[plot][unit]") {
  const fs::path d = make_dir("plot_sweep");
  write(d / "sweep.csv", kSweepCsv);
  const auto charts = sweep_charts(d);
  REQUIRE(charts.size() == 2);  // not nfe, sample_seconds or the baseline
  CHECK(charts[0].metric == "moments.mean_error");
  CHECK(charts[1].metric == "sw.sw2");
  for (const auto& c : charts) {
    INFO(c.metric);
    CHECK(c.x_axis == "sample.steps");
    CHECK_FALSE(c.log_x);  // 10..100 spans a factor of 10 only
    REQUIRE(c.series.size() == 2);
    CHECK(c.series[0].label == "sde.plugin=vp");
    CHECK(c.series[1].label == "sde.plugin=ve");
    CHECK(c.series[0].x == std::vector<double>{10, 30, 100});
    CHECK(c.series[1].x == std::vector<double>{10, 30, 100});  // the failed point was re-run as 6
    CHECK(c.series[0].se.empty());
    CHECK(c.skipped == 0);
  }
  CHECK(charts[1].series[1].y == std::vector<double>{0.60, 0.20, 0.08});
  REQUIRE(charts[1].baseline);
  CHECK(*charts[1].baseline == Approx(0.02));
  CHECK_FALSE(charts[0].baseline);

  const auto files = plot_sweep_dir(d);
  CHECK(names(files) == std::vector<std::string>{"moments.mean_error.svg", "moments.mean_error.png", "sw.sw2.svg",
                                                 "sw.sw2.png"});
  check_files(files);
}

TEST_CASE("sweep charts average seeds, prefer summary.csv, and fall back to bars", "[plot][unit]") {
  const fs::path d = make_dir("plot_sweep_kinds");
  SECTION("rows that differ only in run.seed are averaged, with their standard error") {
    write(d / "sweep.csv",
          "point,sample.steps,run.seed,report.note,status,nfe,sample_seconds,sw.sw2\n"
          "0,10,1,a,ok,10,1,1.0\n1,10,2,a,ok,10,1,3.0\n2,1000,1,b,ok,1000,1,0.5\n3,1000,2,b,ok,1000,1,nan\n");
    const auto charts = sweep_charts(d);
    REQUIRE(charts.size() == 1);
    REQUIRE(charts[0].series.size() == 1);  // report.note is a label, not a parameter
    const auto& s = charts[0].series[0];
    CHECK(s.label.empty());
    CHECK(s.x == std::vector<double>{10, 1000});
    CHECK(s.y == std::vector<double>{2.0, 0.5});
    REQUIRE(s.se.size() == 2);
    CHECK(s.se[0] == Approx(1.0));  // s.d. sqrt(2) over sqrt(2) seeds
    CHECK(s.se[1] == 0);
    CHECK(charts[0].skipped == 1);
    CHECK(charts[0].log_x);  // 10..1000
    check_files(plot_sweep_dir(d));
  }
  SECTION("summary.csv is preferred, with its standard errors") {
    write(d / "sweep.csv", kSweepCsv);
    write(d / "summary.csv",
          "sde.plugin,sample.steps,seeds,status,nfe,sample_seconds,sw.sw2,sw.sw2:se,baseline:sw.sw2,baseline:sw.sw2:se\n"
          "vp,10,3,ok,10,0.1,0.3,0.01,0.02,0.001\nvp,100,3,ok,100,0.5,0.05,0.02,0.02,0.001\n"
          "vp,1000,0,3 of 3 failed (diverged),,,,,,\n");
    const auto charts = sweep_charts(d);
    REQUIRE(charts.size() == 1);
    REQUIRE(charts[0].series.size() == 1);  // sde.plugin is constant here: no split
    CHECK(charts[0].series[0].label.empty());
    CHECK(charts[0].series[0].x == std::vector<double>{10, 100});
    CHECK(charts[0].series[0].se == std::vector<double>{0.01, 0.02});
    CHECK(charts[0].skipped == 0);  // the failed group is not a point
    check_files(plot_dir(d));
  }
  SECTION("a parameter zipped with x does not split the line; one that varies apart does") {
    write(d / "sweep.csv",
          "point,sample.steps,sample.t_min,sde.plugin,status,nfe,sample_seconds,sw.sw2\n"
          "0,10,0.01,vp,ok,10,1,0.3\n1,100,0.001,vp,ok,100,1,0.1\n"
          "2,10,0.01,ve,ok,10,1,0.5\n3,100,0.001,ve,ok,100,1,0.2\n");
    const auto charts = sweep_charts(d);
    REQUIRE(charts.size() == 1);
    CHECK(charts[0].x_axis == "sample.steps");
    REQUIRE(charts[0].series.size() == 2);
    CHECK(charts[0].series[0].label == "sde.plugin=vp");
    CHECK(charts[0].series[1].y == std::vector<double>{0.5, 0.2});
  }
  SECTION("no numeric axis: one bar per point, quoted values kept whole") {
    write(d / "sweep.csv",
          "point,sde.plugin,sample.plugin,status,nfe,sample_seconds,sw.sw2,baseline:sw.sw2\n"
          "0,vp,euler_maruyama,ok,10,1,0.1,0.01\n1,ve,\"heun, \"\"fast\"\"\",ok,10,1,0.2,0.01\n");
    const auto charts = sweep_charts(d);
    REQUIRE(charts.size() == 1);
    CHECK(charts[0].x_axis.empty());
    CHECK(charts[0].categories_axis == "sde.plugin, sample.plugin");
    CHECK(charts[0].categories == std::vector<std::string>{"vp, euler_maruyama", "ve, heun, \"fast\""});
    REQUIRE(charts[0].series.size() == 1);
    CHECK(charts[0].series[0].y == std::vector<double>{0.1, 0.2});
    check_files(plot_sweep_dir(d));
  }
}

TEST_CASE("a metric's own standard error is its error bars, and settings it echoes are no chart",
          "[plot][unit]") {
  // sw reports sw2, sw2_stderr and projections; one seed per point, so no ":se" over seeds.
  const fs::path d = make_dir("plot_stderr");
  const std::string table =
      "point,sample.steps,status,nfe,sample_seconds,sw.projections,sw.sw2,sw.sw2_stderr,"
      "baseline:sw.projections,baseline:sw.sw2,baseline:sw.sw2_stderr\n"
      "0,10,ok,10,0.1,200,0.30,0.03,200,0.02,0.002\n"
      "1,100,ok,100,0.5,200,0.05,0.01,200,0.02,0.002\n";
  write(d / "sweep.csv", table);
  const auto charts = sweep_charts(d);
  REQUIRE(charts.size() == 1);
  CHECK(charts[0].metric == "sw.sw2");
  REQUIRE(charts[0].series.size() == 1);
  CHECK(charts[0].series[0].se == std::vector<double>{0.03, 0.01});
  // The summary table: sw2 with its own standard error as the ±, projections below the table.
  sgm::host::write_sweep_summaries(d / "sweep.csv");
  const std::string md = sgm::test::read_file(d / "summary.md");
  INFO(md);
  CHECK_THAT(md, Catch::StartsWith("| sample.steps | seeds | nfe | sw.sw2 | sw.sw2 (data vs data) |\n"));
  CHECK_THAT(md, Catch::Contains("| 10 | 1 | 10 | 0.300 ± 0.030 | 0.0200 ± 0.0020 |"));
  CHECK_THAT(md, Catch::Contains("\nSame in every row: sw.projections = 200, sw.projections (data vs data) = 200.\n"));
  CHECK_THAT(md, !Catch::Contains("stderr"));
}

TEST_CASE("sgm plot writes a sweep's charts, a missing directory fails with a message", "[plot][integration]") {
  const fs::path d = make_dir("plot_cli");
  write(d / "sweep.csv", kSweepCsv);
  const auto ok = sgm::test::sgm_cli("plot '" + d.string() + "'");
  INFO(ok.output);
  CHECK(ok.status == 0);
  CHECK(ok.output.find("sw.sw2.png") != std::string::npos);
  check_files({d / "plots" / "sw.sw2.svg", d / "plots" / "sw.sw2.png"});

  const auto missing = sgm::test::sgm_cli("plot /nonexistent/sgm-plot-dir");
  CHECK(missing.status != 0);
  CHECK(missing.output.find("/nonexistent/sgm-plot-dir: no such directory") != std::string::npos);
  CHECK(sgm::test::sgm_cli("plot").status != 0);  // no directory given: usage
  CHECK(sgm::test::sgm_cli("plot --help").status == 0);
}
