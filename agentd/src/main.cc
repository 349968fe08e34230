// zhanqun-agent: the site agent. Everything is in agentd/src/commands.cc.
#include "zhanqun/agentd/commands.h"

int main(int argc, char** argv) { return zhanqun::agentd::Main(argc, argv); }
