# node-gyp's build of the addon, what `npm install` of the packed package
# runs (the repository's own build is the Makefile next to this). The
# addon links libsabuf: an installed one (pkg-config `sabuf`, at least this
# package's version), else the sources the package carries (see
# gyp/libsabuf.js; SABUF_LIBSABUF=system|bundled forces either). cpeer and
# c-peer are the C programs that the tests and examples/js-and-c.js run.
{
  'variables': {
    'libsabuf%': '<!(node gyp/libsabuf.js mode)',
  },
  'target_defaults': {
    'cflags_c': ['-std=gnu11'],
    'cflags': ['-pthread'],
    'ldflags': ['-pthread'],
  },
  'targets': [
    {
      'target_name': 'libsabuf',
      'conditions': [
        ['libsabuf=="system"', {
          'type': 'none',
          'direct_dependent_settings': {
            'cflags': ['<!@(node gyp/libsabuf.js cflags)'],
          },
          'link_settings': {
            'libraries': ['<!@(node gyp/libsabuf.js libs)'],
          },
        }, {
          # libsabuf.a's way (lib/Makefile): position-independent, hidden
          # visibility; linked into the addon whole.
          'type': 'static_library',
          'sources': ['<!@(node gyp/libsabuf.js sources)'],
          'include_dirs': [
            '<!(node gyp/libsabuf.js root)/lib',
            '<!(node gyp/libsabuf.js root)/lib/include',
            '<!(node gyp/libsabuf.js root)/uapi',
          ],
          'cflags': ['-fPIC', '-fvisibility=hidden', '-fno-semantic-interposition'],
          'direct_dependent_settings': {
            'include_dirs': [
              '<!(node gyp/libsabuf.js root)/lib/include',
              '<!(node gyp/libsabuf.js root)/uapi',
            ],
          },
        }],
      ],
    },
    {
      'target_name': 'sabuf',
      'sources': ['src/addon.c', 'src/sab.cc'],
      'dependencies': ['libsabuf'],
      'defines': ['NAPI_DISABLE_CPP_EXCEPTIONS'],
      'cflags': ['-fvisibility=hidden'],
      'libraries': ['-lm'],
      'conditions': [
        ['libsabuf!="system"', {
          # libsabuf.a's objects name symbol versions: addon.map defines them
          'ldflags': ['-Wl,--version-script=<(module_root_dir)/addon.map'],
        }],
      ],
    },
    {
      'target_name': 'cpeer',
      'type': 'executable',
      'sources': ['fixtures/cpeer.c'],
      'dependencies': ['libsabuf'],
    },
    {
      'target_name': 'c-peer',
      'type': 'executable',
      'sources': ['examples/c-peer.c'],
      'dependencies': ['libsabuf'],
    },
  ],
}
