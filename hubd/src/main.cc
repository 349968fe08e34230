// zhanqun-hub: the publishing hub. Everything is in hubd/src/commands.cc.
#include "zhanqun/hubd/commands.h"

int main(int argc, char** argv) { return zhanqun::hubd::Main(argc, argv); }
