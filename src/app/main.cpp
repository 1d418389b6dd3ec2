#include "core/log.h"

int main() {
  stagecast::setup_logging("info");
  spdlog::info("stagecast starting");
  return 0;
}
