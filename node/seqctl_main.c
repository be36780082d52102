#include "node.h"

int main(int argc, char **argv)
{
    return node_seqctl_main(argc, argv, stdout, stderr);
}
