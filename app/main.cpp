#include <cstdio>
int main() { std::puts("upsample"); return 0; }
