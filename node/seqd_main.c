#include "node.h"

int main(int argc, char **argv)
{
    return node_seqd_main(argc, argv, stdout, stderr);
}
