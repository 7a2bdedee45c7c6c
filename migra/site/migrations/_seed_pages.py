"""The text of the fixed pages every installation starts with (migration 0002), in the
project's own words, in Khmer, English and Thai. Staff edit them afterwards at
/app/site/; the migration only adds a page whose key is missing.

A module whose name starts with "_" is not a migration (Django skips it): it is kept
here, beside the migration that uses it, so that the migration stays as it was written.

The warning signs follow the ILO's indicators of forced labour (SAP-FL, 2012), in plain
words (see /work/shared/reference/ilo-indicators.md, section 3). No telephone number is
written here other than Cambodia's police (117, as on the "report a concern" page): the
programme's hotline is shown from settings (MIGRA_HOTLINE_NUMBER) by the page itself.
Links between pages are added by the templates: stored text may hold absolute links
only (see migra.stories.richtext).
"""

from __future__ import annotations

PAGES: list[dict[str, object]] = [
    {
        "key": "about",
        "is_advice": False,
        "position": 1,
        "title_km": "អំពីកម្មវិធី",
        "summary_km": (
            "ភូមិ បុគ្គលិកសង្គមកិច្ច និងអាជ្ញាធរ ធ្វើការជាមួយគ្នា ដើម្បីឱ្យប្រជាជនអាចធ្វើចំណាកស្រុក"
            "ដោយសុវត្ថិភាព ហើយអ្នកដែលត្រូវគេកេងប្រវ័ញ្ចបានទទួលជំនួយ។"
        ),
        "body_km": (
            "<p>គ្រួសារជាច្រើននៅកម្ពុជាមានសមាជិកម្នាក់ទៅធ្វើការនៅប្រទេសថៃ ឬនៅឆ្ងាយជាងនេះ។ "
            "ការងារនៅបរទេសអាចធ្វើឱ្យជីវិតគ្រួសារប្រសើរឡើង។ ប៉ុន្តែអ្នកខ្លះត្រូវមេខ្យល់បោកប្រាស់ "
            "បាត់បង់ឯកសារ មិនបានប្រាក់ឈ្នួល ឬគ្មានសេរីភាពចាកចេញ។</p>"
            "<p>កម្មវិធីនេះប្រមូលផ្តុំអ្នកដែលអាចការពារកុំឱ្យរឿងទាំងនេះកើតឡើង និងជួយនៅពេលវាកើតឡើង៖</p>"
            "<ul>"
            "<li><strong>ក្រុមជួយខ្លួនឯង</strong>នៅតាមភូមិ ដែលនិយាយគ្នាអំពីការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព "
            "និងដឹងនៅពេលនរណាម្នាក់ជួបបញ្ហា។</li>"
            "<li><strong>បុគ្គលិកសង្គមកិច្ច និងមេធាវី</strong>នៃអង្គការដៃគូ ដែលជួយអ្នកដែលត្រូវគេកេងប្រវ័ញ្ច "
            "និងគ្រួសាររបស់ពួកគេ។</li>"
            "<li><strong>អាជ្ញាធរ</strong> — គណៈកម្មាធិការប្រយុទ្ធប្រឆាំងការជួញដូរមនុស្ស មន្ទីរការងារ "
            "និងនគរបាល — ដែលទទួលការបញ្ជូនករណី ហើយចាត់វិធានការ។</li>"
            "<li><strong>ពលករចំណាកស្រុកដែលបានត្រឡប់មកវិញ និងយុវជន</strong> ដែលរៀបរាប់អំពីអ្វីដែល"
            "បានកើតឡើងពិតៗ ដើម្បីឱ្យអ្នកដទៃអាចសម្រេចចិត្តដោយដឹងច្បាស់។</li>"
            "</ul>"
            "<p>នៅលើគេហទំព័រនេះ អ្នកនឹងរកឃើញរឿងរ៉ាវរបស់ពួកគេ ដំបូន្មានងាយយល់សម្រាប់អ្នកដែលគិតចង់"
            "ទៅធ្វើការនៅបរទេស ព័ត៌មាន និងព្រឹត្តិការណ៍ និងមធ្យោបាយមានសុវត្ថិភាពដើម្បីរាយការណ៍"
            "រឿងដែលអ្នកបារម្ភ។</p>"
        ),
        "title_en": "About the programme",
        "summary_en": (
            "Villages, social workers and the authorities working together so that people can "
            "migrate safely, and those who were exploited get help."
        ),
        "body_en": (
            "<p>Many families in Cambodia have someone working in Thailand or further away. "
            "Work abroad can change a family's life for the better. But some people are "
            "deceived by brokers, lose their papers, go unpaid or are not free to leave.</p>"
            "<p>This programme brings together the people who can prevent that, and help when "
            "it happens:</p>"
            "<ul>"
            "<li><strong>self-help groups</strong> in the villages, who talk about safe "
            "migration and notice when someone is in trouble;</li>"
            "<li><strong>social workers and lawyers</strong> of partner organisations, who help "
            "people who were exploited, and their families;</li>"
            "<li><strong>the authorities</strong> — the counter-trafficking committees, the "
            "labour departments and the police — who receive referrals and act;</li>"
            "<li><strong>returned migrants and young people</strong>, who tell what really "
            "happened, so that others can decide with open eyes.</li>"
            "</ul>"
            "<p>On this website you will find their stories, plain advice for anyone thinking "
            "of working abroad, news and events, and a safe way to report a concern.</p>"
        ),
        "title_th": "เกี่ยวกับโครงการ",
        "summary_th": (
            "หมู่บ้าน นักสังคมสงเคราะห์ และหน่วยงานรัฐทำงานร่วมกัน เพื่อให้ผู้คนย้ายถิ่นได้อย่างปลอดภัย "
            "และผู้ที่ถูกแสวงประโยชน์ได้รับความช่วยเหลือ"
        ),
        "body_th": (
            "<p>หลายครอบครัวในกัมพูชามีสมาชิกที่ไปทำงานในประเทศไทยหรือไกลกว่านั้น "
            "การทำงานในต่างประเทศเปลี่ยนชีวิตครอบครัวให้ดีขึ้นได้ แต่บางคนถูกนายหน้าหลอกลวง "
            "ถูกยึดเอกสาร ไม่ได้รับค่าจ้าง หรือไม่มีอิสระที่จะออกจากงาน</p>"
            "<p>โครงการนี้รวบรวมผู้ที่ป้องกันไม่ให้เรื่องเหล่านี้เกิดขึ้นได้ และช่วยเหลือเมื่อเกิดขึ้นแล้ว:</p>"
            "<ul>"
            "<li><strong>กลุ่มช่วยเหลือตนเอง</strong>ในหมู่บ้าน ที่พูดคุยกันเรื่องการย้ายถิ่นอย่างปลอดภัย "
            "และสังเกตเมื่อมีใครเดือดร้อน</li>"
            "<li><strong>นักสังคมสงเคราะห์และทนายความ</strong>ขององค์กรภาคี ที่ช่วยเหลือผู้ที่ถูกแสวงประโยชน์"
            "และครอบครัวของพวกเขา</li>"
            "<li><strong>หน่วยงานรัฐ</strong> — คณะกรรมการต่อต้านการค้ามนุษย์ หน่วยงานด้านแรงงาน "
            "และตำรวจ — ที่รับเรื่องส่งต่อและดำเนินการ</li>"
            "<li><strong>แรงงานที่กลับคืนถิ่นและเยาวชน</strong> ที่เล่าสิ่งที่เกิดขึ้นจริง "
            "เพื่อให้ผู้อื่นตัดสินใจได้อย่างรู้เท่าทัน</li>"
            "</ul>"
            "<p>บนเว็บไซต์นี้ คุณจะพบเรื่องราวของพวกเขา คำแนะนำที่เข้าใจง่ายสำหรับผู้ที่คิดจะไปทำงาน"
            "ต่างประเทศ ข่าวและกิจกรรม และช่องทางที่ปลอดภัยในการแจ้งข้อกังวล</p>"
        ),
    },
    {
        "key": "before-you-go",
        "is_advice": True,
        "position": 10,
        "title_km": "មុនពេលអ្នកចេញដំណើរ",
        "summary_km": "សំណួរដែលត្រូវសួរ និងឯកសារដែលត្រូវរៀបចំ មុនពេលចេញទៅធ្វើការនៅប្រទេសផ្សេង។",
        "body_km": (
            "<p>កុំប្រញាប់។ ការងារល្អនៅបរទេសនឹងនៅតែមាននៅសប្តាហ៍ក្រោយ។ មេខ្យល់ដែលប្រាប់ថា"
            "អ្នកត្រូវសម្រេចចិត្តថ្ងៃនេះ គឺជាសញ្ញាព្រមាន។</p>"
            "<p><strong>សួរ ហើយសុំចម្លើយជាលាយលក្ខណ៍អក្សរ៖</strong></p>"
            "<ul>"
            "<li>តើនរណាជានិយោជករបស់ខ្ញុំ ហើយខ្ញុំនឹងធ្វើការនៅកន្លែងណាឱ្យប្រាកដ?</li>"
            "<li>តើខ្ញុំនឹងធ្វើការងារអ្វី ប៉ុន្មានម៉ោងក្នុងមួយថ្ងៃ ហើយមានថ្ងៃសម្រាកប៉ុន្មានថ្ងៃ?</li>"
            "<li>តើខ្ញុំនឹងទទួលបានប្រាក់ឈ្នួលប៉ុន្មាន តាមរបៀបណា និងនៅពេលណា? "
            "តើគេនឹងកាត់អ្វីខ្លះពីប្រាក់ឈ្នួលរបស់ខ្ញុំ?</li>"
            "<li>តើខ្ញុំត្រូវបង់ប្រាក់ប៉ុន្មានមុនចេញដំណើរ ឱ្យនរណា ហើយសម្រាប់អ្វី? "
            "តើខ្ញុំនឹងទទួលបានបង្កាន់ដៃឬទេ?</li>"
            "<li>តើខ្ញុំនឹងស្នាក់នៅឯណា ហើយនរណាជាអ្នកបង់ថ្លៃ?</li>"
            "<li>តើមានអ្វីកើតឡើង ប្រសិនបើខ្ញុំឈឺ ឬចង់ត្រឡប់មកផ្ទះវិញ?</li>"
            "</ul>"
            "<p><strong>ឯកសារ៖</strong> លិខិតឆ្លងដែនក្នុងឈ្មោះរបស់អ្នកផ្ទាល់ ទិដ្ឋាការ "
            "និងប័ណ្ណការងារសម្រាប់ការងារដែលអ្នកនឹងធ្វើ និងកិច្ចសន្យាជាលាយលក្ខណ៍អក្សរជាភាសាដែល"
            "អ្នកយល់។ ថតចម្លងឯកសារ និងកិច្ចសន្យាទាំងអស់៖ ទុកមួយច្បាប់ជាមួយគ្រួសារ "
            "ហើយរក្សារូបថតទុកក្នុងទូរស័ព្ទរបស់អ្នក។</p>"
            "<p><strong>ក្រុមហ៊ុនជ្រើសរើសពលករ៖</strong> ទៅតាមក្រុមហ៊ុនជ្រើសរើសពលករដែលមានអាជ្ញាប័ណ្ណ"
            "ពីក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ។ សុំមើលអាជ្ញាប័ណ្ណរបស់ក្រុមហ៊ុន "
            "ហើយផ្ទៀងផ្ទាត់ជាមួយមន្ទីរការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈខេត្ត។</p>"
            "<p><strong>រក្សាលិខិតឆ្លងដែនដោយខ្លួនឯង៖</strong> លិខិតឆ្លងដែនរបស់អ្នក ជារបស់អ្នក។ "
            "កុំប្រគល់វាឱ្យមេខ្យល់ ឬនិយោជកទុក។</p>"
            "<p><strong>រក្សាទំនាក់ទំនង៖</strong> ទុកឱ្យគ្រួសារនូវអាសយដ្ឋានកន្លែងធ្វើការ "
            "លេខទូរស័ព្ទនិយោជក និងក្រុមហ៊ុនជ្រើសរើស ហើយព្រមព្រៀងគ្នាថាពេលណាអ្នកនឹងទូរស័ព្ទមក។ "
            "កត់លេខទូរស័ព្ទស្ថានទូតកម្ពុជានៅប្រទេសដែលអ្នកទៅ។</p>"
            "<p><strong>ប្រាក់៖</strong> ប្រយ័ត្នជាមួយការខ្ចីប្រាក់សម្រាប់ការធ្វើដំណើរ។ "
            "បំណុលដែលចេះតែកើនឡើង អាចត្រូវគេប្រើដើម្បីបង្ខំឱ្យអ្នកធ្វើការដោយមិនស្ម័គ្រចិត្ត។</p>"
        ),
        "title_en": "Before you go",
        "summary_en": (
            "Questions to ask and papers to prepare before you leave to work in another country."
        ),
        "body_en": (
            "<p>Take your time. A good job abroad will still be there next week; a broker who "
            "says you must decide today is a warning sign.</p>"
            "<p><strong>Ask, and get the answers in writing:</strong></p>"
            "<ul>"
            "<li>Who will be my employer, and where exactly will I work?</li>"
            "<li>What work will I do, how many hours a day, and how many days off will I "
            "have?</li>"
            "<li>How much will I be paid, how, and when? What will be taken from my pay?</li>"
            "<li>How much do I pay before I leave, to whom, and for what? Will I get a "
            "receipt?</li>"
            "<li>Where will I live, and who pays for it?</li>"
            "<li>What happens if I fall ill, or want to come home?</li>"
            "</ul>"
            "<p><strong>Papers:</strong> a passport in your own name, a visa and a work permit "
            "for the work you will do, and a written contract in a language you understand. "
            "Copy every paper and the contract: leave one copy with your family, and keep "
            "photos of them on your phone.</p>"
            "<p><strong>Agency:</strong> go through a recruitment agency licensed by the "
            "Ministry of Labour and Vocational Training. Ask to see its licence, and check it "
            "with the provincial Department of Labour and Vocational Training.</p>"
            "<p><strong>Keep your passport yourself:</strong> your passport belongs to you. "
            "Do not hand it over for a broker or an employer to keep.</p>"
            "<p><strong>Keep in touch:</strong> leave your family the address of your "
            "workplace and the phone numbers of your employer and the agency, and agree when "
            "you will call. Write down the phone number of the Cambodian embassy in the "
            "country you are going to.</p>"
            "<p><strong>Money:</strong> be careful with loans for the journey. A debt that "
            "keeps growing can be used to keep you working against your will.</p>"
        ),
        "title_th": "ก่อนออกเดินทาง",
        "summary_th": "คำถามที่ควรถามและเอกสารที่ต้องเตรียม ก่อนไปทำงานในอีกประเทศหนึ่ง",
        "body_th": (
            "<p>อย่ารีบร้อน งานดี ๆ ในต่างประเทศจะยังมีอยู่ในสัปดาห์หน้า "
            "นายหน้าที่บอกว่าคุณต้องตัดสินใจวันนี้คือสัญญาณอันตราย</p>"
            "<p><strong>ถาม และขอคำตอบเป็นลายลักษณ์อักษร:</strong></p>"
            "<ul>"
            "<li>ใครจะเป็นนายจ้างของฉัน และฉันจะทำงานที่ไหนแน่</li>"
            "<li>ฉันจะทำงานอะไร วันละกี่ชั่วโมง และมีวันหยุดกี่วัน</li>"
            "<li>ฉันจะได้ค่าจ้างเท่าไร จ่ายอย่างไร และเมื่อไร จะมีการหักอะไรจากค่าจ้างบ้าง</li>"
            "<li>ฉันต้องจ่ายเงินเท่าไรก่อนออกเดินทาง จ่ายให้ใคร และจ่ายค่าอะไร ฉันจะได้ใบเสร็จหรือไม่</li>"
            "<li>ฉันจะพักที่ไหน และใครเป็นผู้จ่ายค่าที่พัก</li>"
            "<li>จะเกิดอะไรขึ้นถ้าฉันป่วย หรืออยากกลับบ้าน</li>"
            "</ul>"
            "<p><strong>เอกสาร:</strong> หนังสือเดินทางในชื่อของคุณเอง วีซ่าและใบอนุญาตทำงานสำหรับงาน"
            "ที่คุณจะทำ และสัญญาจ้างเป็นลายลักษณ์อักษรในภาษาที่คุณเข้าใจ ถ่ายสำเนาเอกสารและสัญญาทุกฉบับ "
            "ฝากไว้กับครอบครัวหนึ่งชุด และเก็บรูปถ่ายไว้ในโทรศัพท์ของคุณ</p>"
            "<p><strong>บริษัทจัดหางาน:</strong> ไปผ่านบริษัทจัดหางานที่ได้รับใบอนุญาตจากกระทรวงแรงงาน"
            "และการฝึกอาชีพของกัมพูชา ขอดูใบอนุญาตของบริษัท และตรวจสอบกับสำนักงานแรงงานและการฝึกอาชีพ"
            "ประจำจังหวัด</p>"
            "<p><strong>เก็บหนังสือเดินทางไว้เอง:</strong> หนังสือเดินทางเป็นของคุณ "
            "อย่ามอบให้นายหน้าหรือนายจ้างเก็บไว้</p>"
            "<p><strong>ติดต่อกันไว้:</strong> ให้ที่อยู่ของที่ทำงาน เบอร์โทรศัพท์ของนายจ้างและบริษัท"
            "จัดหางานไว้กับครอบครัว และตกลงกันว่าจะโทรหากันเมื่อไร จดเบอร์โทรศัพท์ของสถานเอกอัครราชทูต"
            "กัมพูชาในประเทศที่คุณจะไป</p>"
            "<p><strong>เงิน:</strong> ระวังการกู้เงินเพื่อเดินทาง หนี้ที่เพิ่มขึ้นเรื่อย ๆ "
            "อาจถูกใช้เพื่อบังคับให้คุณทำงานโดยไม่สมัครใจ</p>"
        ),
    },
    {
        "key": "legal-channels",
        "is_advice": True,
        "position": 20,
        "title_km": "ផ្លូវស្របច្បាប់",
        "summary_km": (
            "របៀបទៅធ្វើការនៅបរទេសដោយស្របច្បាប់៖ ក្រុមហ៊ុនជ្រើសរើសពលករដែលមានអាជ្ញាប័ណ្ណ "
            "កម្មវិធីផ្លូវការ និងឯកសារដែលអ្នកត្រូវការ។"
        ),
        "body_km": (
            "<p>ការទៅតាមផ្លូវស្របច្បាប់ មានន័យថាអ្នកធ្វើដំណើរជាមួយលិខិតឆ្លងដែនរបស់អ្នកផ្ទាល់ "
            "ទិដ្ឋាការ និងប័ណ្ណការងារសម្រាប់ការងាររបស់អ្នក និងកិច្ចសន្យាដែលបញ្ជាក់ពីប្រាក់ឈ្នួលដែលអ្នក"
            "នឹងទទួលបាន។ ប្រសិនបើមានបញ្ហាកើតឡើង អ្នកមានឯកសារដើម្បីបញ្ជាក់សិទ្ធិរបស់អ្នក "
            "ហើយអាជ្ញាធរនៃប្រទេសទាំងពីរអាចជួយអ្នកបាន។</p>"
            "<p><strong>ក្រុមហ៊ុនជ្រើសរើសពលករដែលមានអាជ្ញាប័ណ្ណ។</strong> នៅកម្ពុជា "
            "ក្រុមហ៊ុនជ្រើសរើសពលករឯកជនត្រូវមានអាជ្ញាប័ណ្ណពីក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ។ "
            "ក្រសួងផ្សព្វផ្សាយបញ្ជីក្រុមហ៊ុនដែលមានអាជ្ញាប័ណ្ណ។ ក្រុមហ៊ុនដែលមានអាជ្ញាប័ណ្ណ"
            "ត្រូវផ្តល់កិច្ចសន្យាឱ្យអ្នក ប្រាប់អ្នកពីថ្លៃសេវាជាមុន និងជួយអ្នក "
            "ប្រសិនបើនិយោជកមិនគោរពកិច្ចសន្យា។</p>"
            "<p><strong>កិច្ចព្រមព្រៀងរវាងរដ្ឋាភិបាល។</strong> កម្ពុជាមានកិច្ចព្រមព្រៀងជាមួយ"
            "ប្រទេសមួយចំនួន ដូចជាប្រទេសថៃ (ដែលគេស្គាល់ថាជាប្រព័ន្ធ MoU) "
            "និងកម្មវិធីដែលរដ្ឋាភិបាលរៀបចំដោយផ្ទាល់ ដូចជាប្រព័ន្ធលិខិតអនុញ្ញាតការងារ (EPS) "
            "សម្រាប់សាធារណរដ្ឋកូរ៉េ។ សូមសួរមន្ទីរការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈខេត្តថា "
            "តើកម្មវិធីណាខ្លះកំពុងបើក និងរបៀបដាក់ពាក្យ។</p>"
            "<p><strong>ប្រយ័ត្នផ្លូវកាត់។</strong> ការឆ្លងព្រំដែនដោយគ្មានឯកសារ "
            "ឬការធ្វើការដោយប្រើទិដ្ឋាការទេសចរណ៍ អាចមើលទៅលឿន និងថោកជាង។ ប៉ុន្តែបើគ្មានឯកសារ "
            "អ្នកអាចត្រូវគេចាប់ខ្លួន និងបញ្ជូនមកវិញ អ្នកពិបាកទាមទារប្រាក់ឈ្នួលដែលគេមិនបានបើក "
            "ហើយអ្នកដែលកេងប្រវ័ញ្ចពលករប្រើការភ័យខ្លាចនគរបាលរបស់អ្នកមកគំរាមអ្នក។</p>"
            "<p><strong>ពិនិត្យមុនពេលបង់ប្រាក់៖</strong> ឈ្មោះក្រុមហ៊ុន អាជ្ញាប័ណ្ណរបស់ក្រុមហ៊ុន "
            "កិច្ចសន្យា និងថ្លៃចំណាយសរុប។ ប្រសិនបើមេខ្យល់នៅក្នុងភូមិរបស់អ្នកផ្តល់ការងារនៅបរទេស "
            "សូមសួរថាគាត់ធ្វើការឱ្យក្រុមហ៊ុនដែលមានអាជ្ញាប័ណ្ណណា ហើយផ្ទៀងផ្ទាត់ដោយខ្លួនឯង"
            "ជាមួយក្រុមហ៊ុននោះ។</p>"
        ),
        "title_en": "Legal channels",
        "summary_en": (
            "How to work abroad legally: licensed agencies, official schemes and the papers "
            "you need."
        ),
        "body_en": (
            "<p>Going through a legal channel means that you travel with your own passport, a "
            "visa and a work permit for your job, and a contract that says what you will be "
            "paid. If something goes wrong, you have papers that prove your rights, and the "
            "authorities of both countries can help you.</p>"
            "<p><strong>Licensed recruitment agencies.</strong> In Cambodia, private recruitment "
            "agencies need a licence from the Ministry of Labour and Vocational Training "
            "(MoLVT). The ministry publishes the list of licensed agencies. A licensed agency "
            "must give you a contract, tell you its fees in advance, and help you if your "
            "employer does not keep to the contract.</p>"
            "<p><strong>Agreements between governments.</strong> Cambodia has agreements with "
            "countries such as Thailand (known as the MoU system), and schemes run by the "
            "governments themselves, such as the Employment Permit System (EPS) of the Republic "
            "of Korea. Ask the provincial Department of Labour and Vocational Training which "
            "schemes are open now and how to apply.</p>"
            "<p><strong>Beware of short cuts.</strong> Crossing the border without papers, or "
            "working on a tourist visa, may look quicker and cheaper. But without papers you "
            "can be arrested and sent back, you can hardly claim wages you were not paid, and "
            "people who exploit workers use your fear of the police against you.</p>"
            "<p><strong>Check before you pay:</strong> the name of the agency, its licence, "
            "the contract and the total cost. If a broker in your village offers work abroad, "
            "ask which licensed agency he works for, and check with that agency yourself.</p>"
        ),
        "title_th": "ช่องทางที่ถูกกฎหมาย",
        "summary_th": (
            "วิธีไปทำงานต่างประเทศอย่างถูกกฎหมาย: บริษัทจัดหางานที่ได้รับใบอนุญาต "
            "โครงการอย่างเป็นทางการ และเอกสารที่ต้องใช้"
        ),
        "body_th": (
            "<p>การไปทางช่องทางที่ถูกกฎหมาย หมายความว่าคุณเดินทางด้วยหนังสือเดินทางของคุณเอง "
            "มีวีซ่าและใบอนุญาตทำงานสำหรับงานของคุณ และมีสัญญาจ้างที่ระบุค่าจ้างที่คุณจะได้รับ "
            "หากเกิดปัญหา คุณมีเอกสารพิสูจน์สิทธิของคุณ และหน่วยงานของทั้งสองประเทศช่วยเหลือคุณได้</p>"
            "<p><strong>บริษัทจัดหางานที่ได้รับใบอนุญาต</strong> ในกัมพูชา บริษัทจัดหางานเอกชน"
            "ต้องได้รับใบอนุญาตจากกระทรวงแรงงานและการฝึกอาชีพ (MoLVT) กระทรวงเผยแพร่รายชื่อบริษัท"
            "ที่ได้รับใบอนุญาต บริษัทที่ได้รับใบอนุญาตต้องให้สัญญาจ้างแก่คุณ แจ้งค่าบริการล่วงหน้า "
            "และช่วยเหลือคุณหากนายจ้างไม่ปฏิบัติตามสัญญา</p>"
            "<p><strong>ข้อตกลงระหว่างรัฐบาล</strong> กัมพูชามีข้อตกลงกับบางประเทศ เช่น ประเทศไทย "
            "(ที่รู้จักกันในชื่อระบบ MoU) และโครงการที่รัฐบาลดำเนินการเอง เช่น ระบบอนุญาตการจ้างงาน "
            "(EPS) ของสาธารณรัฐเกาหลี สอบถามสำนักงานแรงงานและการฝึกอาชีพประจำจังหวัดว่าโครงการใด"
            "เปิดรับอยู่ และสมัครได้อย่างไร</p>"
            "<p><strong>ระวังทางลัด</strong> การข้ามแดนโดยไม่มีเอกสาร หรือการทำงานด้วยวีซ่าท่องเที่ยว "
            "อาจดูเร็วและถูกกว่า แต่หากไม่มีเอกสาร คุณอาจถูกจับและส่งกลับ เรียกร้องค่าจ้างที่ค้างจ่าย"
            "ได้ยาก และผู้ที่แสวงประโยชน์จากแรงงานจะใช้ความกลัวตำรวจของคุณมาข่มขู่คุณ</p>"
            "<p><strong>ตรวจสอบก่อนจ่ายเงิน:</strong> ชื่อบริษัท ใบอนุญาตของบริษัท สัญญาจ้าง "
            "และค่าใช้จ่ายทั้งหมด หากมีนายหน้าในหมู่บ้านเสนองานในต่างประเทศ ให้ถามว่าเขาทำงานให้"
            "บริษัทจัดหางานที่ได้รับใบอนุญาตบริษัทใด แล้วตรวจสอบกับบริษัทนั้นด้วยตัวเอง</p>"
        ),
    },
    {
        "key": "your-rights",
        "is_advice": True,
        "position": 30,
        "title_km": "សិទ្ធិរបស់អ្នក",
        "summary_km": "អ្វីដែលពលករចំណាកស្រុកគ្រប់រូបមានសិទ្ធិទទួលបាន មិនថាធ្វើការនៅទីណាក៏ដោយ។",
        "body_km": (
            "<p>មិនថាអ្នកធ្វើការនៅទីណា ហើយមានឯកសារឬអត់ក៏ដោយ អ្នកជាមនុស្សដែលមានសិទ្ធិ។</p>"
            "<ul>"
            "<li><strong>ឯកសាររបស់អ្នក ជារបស់អ្នក។</strong> លិខិតឆ្លងដែន អត្តសញ្ញាណប័ណ្ណ "
            "និងប័ណ្ណការងារ ជារបស់អ្នក។ និយោជក ឬក្រុមហ៊ុនជ្រើសរើសអាចមើល ឬថតចម្លងបាន "
            "ប៉ុន្តែមិនត្រូវរក្សាទុកដោយអ្នកមិនយល់ព្រមទេ។</li>"
            "<li><strong>ប្រាក់ឈ្នួលតាមការព្រមព្រៀង។</strong> អ្នកមានសិទ្ធិទទួលបានប្រាក់ឈ្នួល"
            "គ្រប់ចំនួន និងទាន់ពេល ដូចដែលបានសរសេរក្នុងកិច្ចសន្យា ហើយយ៉ាងហោចណាស់ស្មើនឹង"
            "ប្រាក់ឈ្នួលអប្បបរមាតាមច្បាប់នៃប្រទេសនោះ។ ការកាត់ប្រាក់ត្រូវតែមានការព្រមព្រៀង "
            "និងការពន្យល់។</li>"
            "<li><strong>ការសម្រាក។</strong> អ្នកមានសិទ្ធិមានម៉ោងធ្វើការមានកំណត់ មានថ្ងៃសម្រាក "
            "និងបដិសេធការធ្វើការបន្ថែមម៉ោងដែលគ្មានកំណត់។</li>"
            "<li><strong>សុវត្ថិភាព។</strong> អ្នកមានសិទ្ធិធ្វើការដោយសុវត្ថិភាព មានឧបករណ៍ការពារ"
            "នៅពេលចាំបាច់ និងជួបគ្រូពេទ្យនៅពេលឈឺ ឬរងរបួស។</li>"
            "<li><strong>សេរីភាព។</strong> អ្នកមានសេរីភាពចាកចេញពីកន្លែងធ្វើការ និងកន្លែងស្នាក់នៅ "
            "រក្សាទូរស័ព្ទរបស់អ្នក និងទាក់ទងគ្រួសារ។</li>"
            "<li><strong>ជំនួយ។</strong> អ្នកអាចសុំជំនួយពីស្ថានទូត ឬស្ថានកុងស៊ុលកម្ពុជា "
            "ពីអង្គការដែលជួយពលករចំណាកស្រុក និងពីនគរបាល ដោយមិនត្រូវគេដាក់ទោស"
            "ដោយសារតែអ្នកត្រូវគេកេងប្រវ័ញ្ចនោះទេ។</li>"
            "<li><strong>ការត្រឡប់មកផ្ទះវិញ។</strong> អ្នកអាចសម្រេចចិត្តឈប់ធ្វើការ "
            "ហើយត្រឡប់មកផ្ទះវិញ។ បំណុលចំពោះនិយោជក ឬមេខ្យល់ មិនធ្វើឱ្យអ្នកក្លាយជា"
            "កម្មសិទ្ធិរបស់ពួកគេទេ។</li>"
            "</ul>"
            "<p>ប្រសិនបើសិទ្ធិទាំងនេះមិនត្រូវបានគោរព សូមកត់ត្រាអ្វីដែលបានកើតឡើង "
            "ព្រមទាំងកាលបរិច្ឆេទ ហើយរក្សាច្បាប់ចម្លងឯកសារ បង្កាន់ដៃប្រាក់ឈ្នួល និងសារទាំងឡាយ។ "
            "វានឹងជួយអ្នកដែលជួយអ្នក។</p>"
        ),
        "title_en": "Your rights",
        "summary_en": "What every migrant worker is entitled to, wherever they work.",
        "body_en": (
            "<p>Wherever you work, and whatever papers you have, you are a person with "
            "rights.</p>"
            "<ul>"
            "<li><strong>Your papers are yours.</strong> Your passport, ID card and work permit "
            "belong to you. An employer or an agency may look at them or copy them, but must "
            "not keep them against your will.</li>"
            "<li><strong>Pay as agreed.</strong> You have the right to be paid in full and on "
            "time, as written in your contract, and at least the legal minimum wage of the "
            "country. Deductions must be agreed and explained.</li>"
            "<li><strong>Rest.</strong> You have the right to limited working hours and to "
            "rest days, and to refuse endless overtime.</li>"
            "<li><strong>Safety.</strong> You have the right to safe work, to protective "
            "equipment where it is needed, and to see a doctor when you are ill or hurt.</li>"
            "<li><strong>Freedom.</strong> You are free to leave your workplace and your "
            "lodging, to keep your phone, and to contact your family.</li>"
            "<li><strong>Help.</strong> You can ask for help from the Cambodian embassy or "
            "consulate, from organisations that support migrant workers, and from the police, "
            "and you should not be punished for having been exploited.</li>"
            "<li><strong>Coming home.</strong> You can decide to stop working and come home. "
            "A debt to an employer or a broker does not make you their property.</li>"
            "</ul>"
            "<p>If these rights are not respected, write down what happened, with the dates, "
            "and keep copies of your papers, payslips and messages. They will help whoever "
            "helps you.</p>"
        ),
        "title_th": "สิทธิของคุณ",
        "summary_th": "สิ่งที่แรงงานข้ามชาติทุกคนมีสิทธิได้รับ ไม่ว่าจะทำงานที่ใด",
        "body_th": (
            "<p>ไม่ว่าคุณจะทำงานที่ไหน และมีเอกสารหรือไม่ คุณคือคนที่มีสิทธิ</p>"
            "<ul>"
            "<li><strong>เอกสารของคุณเป็นของคุณ</strong> หนังสือเดินทาง บัตรประจำตัว "
            "และใบอนุญาตทำงานเป็นของคุณ นายจ้างหรือบริษัทจัดหางานขอดูหรือถ่ายสำเนาได้ "
            "แต่ต้องไม่ยึดไว้โดยที่คุณไม่ยินยอม</li>"
            "<li><strong>ค่าจ้างตามที่ตกลง</strong> คุณมีสิทธิได้รับค่าจ้างครบถ้วนและตรงเวลาตามที่เขียนไว้"
            "ในสัญญา และไม่น้อยกว่าค่าจ้างขั้นต่ำตามกฎหมายของประเทศนั้น การหักเงินต้องได้รับความยินยอม"
            "และมีคำอธิบาย</li>"
            "<li><strong>การพักผ่อน</strong> คุณมีสิทธิมีชั่วโมงทำงานที่จำกัด มีวันหยุด "
            "และปฏิเสธการทำงานล่วงเวลาแบบไม่มีที่สิ้นสุด</li>"
            "<li><strong>ความปลอดภัย</strong> คุณมีสิทธิทำงานอย่างปลอดภัย ได้รับอุปกรณ์ป้องกันเมื่อจำเป็น "
            "และได้พบแพทย์เมื่อเจ็บป่วยหรือบาดเจ็บ</li>"
            "<li><strong>อิสรภาพ</strong> คุณมีอิสระที่จะออกจากที่ทำงานและที่พัก เก็บโทรศัพท์ของคุณไว้ "
            "และติดต่อครอบครัว</li>"
            "<li><strong>ความช่วยเหลือ</strong> คุณขอความช่วยเหลือได้จากสถานเอกอัครราชทูตหรือสถานกงสุล"
            "กัมพูชา จากองค์กรที่ช่วยเหลือแรงงานข้ามชาติ และจากตำรวจ โดยไม่ควรถูกลงโทษเพราะคุณ"
            "ถูกแสวงประโยชน์</li>"
            "<li><strong>การกลับบ้าน</strong> คุณตัดสินใจหยุดทำงานและกลับบ้านได้ หนี้ที่มีต่อนายจ้าง"
            "หรือนายหน้าไม่ได้ทำให้คุณเป็นทรัพย์สินของพวกเขา</li>"
            "</ul>"
            "<p>หากสิทธิเหล่านี้ไม่ได้รับการเคารพ ให้จดบันทึกสิ่งที่เกิดขึ้นพร้อมวันที่ และเก็บสำเนาเอกสาร "
            "สลิปเงินเดือน และข้อความต่าง ๆ ไว้ สิ่งเหล่านี้จะช่วยผู้ที่ให้ความช่วยเหลือคุณ</p>"
        ),
    },
    {
        "key": "warning-signs",
        "is_advice": True,
        "position": 40,
        "title_km": "សញ្ញាព្រមាននៃការជួញដូរមនុស្ស និងពលកម្មដោយបង្ខំ",
        "summary_km": "សញ្ញាដែលបង្ហាញថា ការផ្តល់ការងារ ឬកន្លែងធ្វើការមួយ អាចជាអន្ទាក់។",
        "body_km": (
            "<p>សញ្ញាទាំងនេះផ្អែកលើសូចនាករនៃពលកម្មដោយបង្ខំរបស់អង្គការពលកម្មអន្តរជាតិ (ILO)។ "
            "សញ្ញាតែមួយក៏អាចគ្រប់គ្រាន់ដើម្បីសុំជំនួយហើយ។ សញ្ញាច្រើនជាមួយគ្នា "
            "គឺជាការព្រមានធ្ងន់ធ្ងរ។</p>"
            "<p><strong>នៅពេលគេផ្តល់ការងារឱ្យអ្នក៖</strong></p>"
            "<ul>"
            "<li>ការងារស្តាប់ទៅល្អពេក៖ ប្រាក់ឈ្នួលខ្ពស់ ការងារតិច មិនត្រូវការជំនាញ។</li>"
            "<li>គេប្រាប់ឱ្យអ្នកសម្រេចចិត្តភ្លាមៗ ឬឱ្យលាក់ការផ្តល់ការងារនេះជាការសម្ងាត់។</li>"
            "<li>គ្មាននរណាអាចប្រាប់អ្នកពីឈ្មោះនិយោជក ឬអាសយដ្ឋានកន្លែងធ្វើការបានទេ។</li>"
            "<li>គេសុំឱ្យអ្នកបង់ប្រាក់ច្រើន ឬខ្ចីប្រាក់ពីមេខ្យល់។</li>"
            "<li>គេប្រាប់ឱ្យអ្នកធ្វើដំណើរដោយគ្មានលិខិតឆ្លងដែន ឬឱ្យនិយាយថាអ្នកជាអ្នកទេសចរ។</li>"
            "</ul>"
            "<p><strong>នៅកន្លែងធ្វើការ៖</strong></p>"
            "<ul>"
            "<li>ការងារ ប្រាក់ឈ្នួល ឬកន្លែងធ្វើការ មិនដូចអ្វីដែលគេបានសន្យា។</li>"
            "<li>គេយកលិខិតឆ្លងដែន ឬអត្តសញ្ញាណប័ណ្ណរបស់អ្នក ហើយមិនប្រគល់ឱ្យវិញនៅពេលអ្នកសុំ។</li>"
            "<li>គេទុកប្រាក់ឈ្នួលរបស់អ្នកមិនបើកឱ្យ ឬបំណុលចេះតែកើនឡើង "
            "ទោះបីអ្នកធ្វើការច្រើនប៉ុណ្ណាក៏ដោយ។</li>"
            "<li>គេចាក់សោទុកអ្នក ឃ្លាំមើលអ្នក ឬមិនអនុញ្ញាតឱ្យអ្នកចេញទៅក្រៅម្នាក់ឯង។</li>"
            "<li>គេផ្តាច់អ្នកពីគ្រួសារ យកទូរស័ព្ទរបស់អ្នក ឬអ្នកមិនដឹងថាខ្លួនឯងនៅទីណា។</li>"
            "<li>គេគំរាមអ្នក ឬគ្រួសាររបស់អ្នក — ដោយអំពើហិង្សា ដោយនគរបាល ឬដោយអន្តោប្រវេសន៍។</li>"
            "<li>គេវាយអ្នក ឬរំលោភបំពានលើអ្នក រួមទាំងការរំលោភបំពានផ្លូវភេទ។</li>"
            "<li>អ្នកត្រូវធ្វើការច្រើនម៉ោងពេក ឬនៅថ្ងៃសម្រាក ហើយមិនអាចបដិសេធបាន។</li>"
            "<li>ការងារ ឬកន្លែងស្នាក់នៅមានគ្រោះថ្នាក់ ឬធ្វើឱ្យបាត់បង់សេចក្តីថ្លៃថ្នូរ។</li>"
            "<li>មាននរណាម្នាក់ឆ្លៀតយកប្រយោជន៍ពីស្ថានភាពរបស់អ្នក៖ អ្នកគ្មានឯកសារ មិនចេះភាសា "
            "ឬពឹងលើនិយោជកសម្រាប់អាហារ និងកន្លែងដេក។</li>"
            "</ul>"
            "<p>ប្រសិនបើអ្នកឃើញសញ្ញាទាំងនេះក្នុងការងាររបស់អ្នក ឬក្នុងជីវិតរបស់នរណាម្នាក់ដែលអ្នកស្គាល់ "
            "កុំនៅស្ងៀម។ សូមមើលទំព័រ «ហៅទៅនរណា» ឬរាយការណ៍រឿងដែលអ្នកបារម្ភនៅលើគេហទំព័រនេះ។</p>"
        ),
        "title_en": "Warning signs of trafficking and forced labour",
        "summary_en": "Signs that a job offer, or a workplace, may be a trap.",
        "body_en": (
            "<p>These signs follow the indicators of forced labour of the International Labour "
            "Organization (ILO). One sign alone can be reason enough to ask for help; several "
            "together are a serious warning.</p>"
            "<p><strong>When you are offered a job:</strong></p>"
            "<ul>"
            "<li>the job sounds too good: high pay, little work, no skills needed;</li>"
            "<li>you are told to decide at once, or to keep the offer secret;</li>"
            "<li>nobody can tell you the employer's name or the address of the workplace;</li>"
            "<li>you are asked to pay a lot of money, or to borrow it from the broker;</li>"
            "<li>you are told to travel without a passport, or to say that you are a "
            "tourist.</li>"
            "</ul>"
            "<p><strong>At work:</strong></p>"
            "<ul>"
            "<li>the work, the pay or the place is not what you were promised;</li>"
            "<li>your passport or ID card is taken and not given back when you ask;</li>"
            "<li>your pay is held back, or a debt keeps growing however much you work;</li>"
            "<li>you are locked in, watched, or not allowed to go out alone;</li>"
            "<li>you are cut off from your family, your phone is taken, or you do not know "
            "where you are;</li>"
            "<li>you or your family are threatened — with violence, with the police or with "
            "immigration;</li>"
            "<li>you are beaten or abused, including sexually;</li>"
            "<li>you must work very long hours, or on rest days, and cannot refuse;</li>"
            "<li>the work or the lodging is dangerous or degrading;</li>"
            "<li>someone takes advantage of your situation: you have no papers, do not speak "
            "the language, or depend on the employer for food and a bed.</li>"
            "</ul>"
            "<p>If you see these signs in your own work, or in the life of someone you know, "
            "do not stay silent. See the page “Who to call”, or report a concern on this "
            "website.</p>"
        ),
        "title_th": "สัญญาณเตือนของการค้ามนุษย์และแรงงานบังคับ",
        "summary_th": "สัญญาณที่บอกว่าข้อเสนองานหรือที่ทำงานอาจเป็นกับดัก",
        "body_th": (
            "<p>สัญญาณเหล่านี้อ้างอิงตัวชี้วัดแรงงานบังคับขององค์การแรงงานระหว่างประเทศ (ILO) "
            "สัญญาณเพียงข้อเดียวก็อาจเพียงพอที่จะขอความช่วยเหลือ หลายข้อรวมกันคือคำเตือนที่ร้ายแรง</p>"
            "<p><strong>เมื่อมีคนเสนองานให้คุณ:</strong></p>"
            "<ul>"
            "<li>งานฟังดูดีเกินจริง: ค่าจ้างสูง งานน้อย ไม่ต้องใช้ทักษะ</li>"
            "<li>มีคนบอกให้คุณตัดสินใจทันที หรือให้เก็บข้อเสนอนี้เป็นความลับ</li>"
            "<li>ไม่มีใครบอกชื่อนายจ้างหรือที่อยู่ของที่ทำงานได้</li>"
            "<li>มีคนขอให้คุณจ่ายเงินจำนวนมาก หรือกู้เงินจากนายหน้า</li>"
            "<li>มีคนบอกให้คุณเดินทางโดยไม่มีหนังสือเดินทาง หรือให้บอกว่าคุณเป็นนักท่องเที่ยว</li>"
            "</ul>"
            "<p><strong>ที่ทำงาน:</strong></p>"
            "<ul>"
            "<li>งาน ค่าจ้าง หรือสถานที่ ไม่ตรงกับที่สัญญาไว้</li>"
            "<li>หนังสือเดินทางหรือบัตรประจำตัวของคุณถูกยึด และไม่ได้คืนเมื่อคุณขอ</li>"
            "<li>ค่าจ้างของคุณถูกกักไว้ หรือหนี้เพิ่มขึ้นเรื่อย ๆ ไม่ว่าคุณจะทำงานมากเท่าไร</li>"
            "<li>คุณถูกขังไว้ ถูกเฝ้าดู หรือไม่ได้รับอนุญาตให้ออกไปข้างนอกคนเดียว</li>"
            "<li>คุณถูกตัดขาดจากครอบครัว โทรศัพท์ถูกยึด หรือคุณไม่รู้ว่าตัวเองอยู่ที่ไหน</li>"
            "<li>คุณหรือครอบครัวถูกข่มขู่ — ด้วยความรุนแรง ด้วยตำรวจ หรือด้วยเจ้าหน้าที่ตรวจคนเข้าเมือง</li>"
            "<li>คุณถูกทำร้ายร่างกาย หรือถูกล่วงละเมิด รวมถึงการล่วงละเมิดทางเพศ</li>"
            "<li>คุณต้องทำงานหลายชั่วโมงเกินไปหรือในวันหยุด และปฏิเสธไม่ได้</li>"
            "<li>งานหรือที่พักเป็นอันตราย หรือย่ำยีศักดิ์ศรี</li>"
            "<li>มีคนฉวยโอกาสจากสถานการณ์ของคุณ: คุณไม่มีเอกสาร ไม่รู้ภาษา "
            "หรือต้องพึ่งนายจ้างเรื่องอาหารและที่นอน</li>"
            "</ul>"
            "<p>หากคุณเห็นสัญญาณเหล่านี้ในงานของคุณเอง หรือในชีวิตของคนที่คุณรู้จัก อย่าเงียบ "
            "ดูหน้า «โทรหาใคร» หรือแจ้งข้อกังวลบนเว็บไซต์นี้</p>"
        ),
    },
    {
        "key": "who-to-call",
        "is_advice": True,
        "position": 50,
        "title_km": "ហៅទៅនរណា",
        "summary_km": "កន្លែងដែលអាចសុំជំនួយបាន នៅកម្ពុជា និងនៅបរទេស។",
        "body_km": (
            "<p><strong>ប្រសិនបើមាននរណាម្នាក់កំពុងមានគ្រោះថ្នាក់ឥឡូវនេះ</strong> សូមហៅនគរបាល។ "
            "នៅកម្ពុជា លេខនគរបាលគឺ 117 ហើយការហៅនេះមិនគិតលុយទេ។ នៅប្រទេសផ្សេង "
            "សូមហៅនគរបាលនៅទីនោះ ឬស្ថានទូត ឬស្ថានកុងស៊ុលកម្ពុជា។</p>"
            "<p><strong>នៅកម្ពុជា៖</strong></p>"
            "<ul>"
            "<li>លេខទូរស័ព្ទជំនួយរបស់កម្មវិធី ប្រសិនបើមានបង្ហាញនៅលើទំព័រនេះ។</li>"
            "<li>មន្ទីរការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈខេត្ត សម្រាប់សំណួរអំពីក្រុមហ៊ុនជ្រើសរើស "
            "កិច្ចសន្យា និងការធ្វើការនៅបរទេស។</li>"
            "<li>បុគ្គលិកសង្គមកិច្ចនៃអង្គការដៃគូរបស់កម្មវិធី តាមរយៈទម្រង់ "
            "«រាយការណ៍រឿងដែលអ្នកបារម្ភ» នៅលើគេហទំព័រនេះ — អ្នកមិនចាំបាច់ប្រាប់ឈ្មោះទេ។</li>"
            "<li>ក្រុមប្រឹក្សាឃុំ ឬមេភូមិ ដែលអាចភ្ជាប់អ្នកទៅកាន់អាជ្ញាធរ។</li>"
            "</ul>"
            "<p><strong>នៅបរទេស៖</strong></p>"
            "<ul>"
            "<li>ស្ថានទូត ឬស្ថានកុងស៊ុលកម្ពុជានៅប្រទេសនោះ — កត់លេខទូរស័ព្ទរបស់វាមុនពេល"
            "អ្នកចេញដំណើរ។</li>"
            "<li>ក្រុមហ៊ុនជ្រើសរើសដែលមានអាជ្ញាប័ណ្ណដែលបានបញ្ជូនអ្នកទៅ ដែលត្រូវតែជួយអ្នក "
            "ប្រសិនបើនិយោជកមិនគោរពកិច្ចសន្យា។</li>"
            "<li>អង្គការដែលជួយពលករចំណាកស្រុកនៅប្រទេសនោះ។</li>"
            "</ul>"
            "<p>នៅពេលអ្នកហៅ សូមប្រាប់ថាមនុស្សនោះនៅទីណា មានអ្វីកំពុងកើតឡើង "
            "និងរបៀបទាក់ទងអ្នកវិញ។ ប្រសិនបើអ្នកខ្លួនឯងជាអ្នកជួបបញ្ហា ហើយមិនអាចនិយាយដោយសេរី "
            "សូមព្រមព្រៀងពាក្យសម្ងាត់មួយជាមួយគ្រួសារ មុនពេលអ្នកចេញដំណើរ។</p>"
        ),
        "title_en": "Who to call",
        "summary_en": "Where to get help, in Cambodia and abroad.",
        "body_en": (
            "<p><strong>If someone is in danger right now,</strong> call the police. In "
            "Cambodia the police number is 117, and the call is free. In another country, "
            "call the local police, or the Cambodian embassy or consulate.</p>"
            "<p><strong>In Cambodia:</strong></p>"
            "<ul>"
            "<li>the programme's hotline, when one is shown on this page;</li>"
            "<li>the provincial Department of Labour and Vocational Training, for questions "
            "about agencies, contracts and working abroad;</li>"
            "<li>the social workers of the programme's partner organisations, through the "
            "“Report a concern” form on this website — you do not need to give your name;</li>"
            "<li>the commune council or the village chief, who can put you in touch with the "
            "authorities.</li>"
            "</ul>"
            "<p><strong>Abroad:</strong></p>"
            "<ul>"
            "<li>the Cambodian embassy or consulate in that country — write its number down "
            "before you leave;</li>"
            "<li>the licensed agency that sent you, which must help you if the employer does "
            "not keep to the contract;</li>"
            "<li>organisations that help migrant workers in that country.</li>"
            "</ul>"
            "<p>When you call, say where the person is, what is happening, and how to reach "
            "you. If you might be the one in trouble and unable to speak freely, agree on a "
            "code word with your family before you leave.</p>"
        ),
        "title_th": "โทรหาใคร",
        "summary_th": "แหล่งขอความช่วยเหลือ ทั้งในกัมพูชาและต่างประเทศ",
        "body_th": (
            "<p><strong>หากมีใครกำลังตกอยู่ในอันตรายขณะนี้</strong> ให้โทรแจ้งตำรวจ "
            "ในกัมพูชา หมายเลขตำรวจคือ 117 และโทรฟรี ในประเทศอื่น ให้โทรแจ้งตำรวจในพื้นที่ "
            "หรือสถานเอกอัครราชทูตหรือสถานกงสุลกัมพูชา</p>"
            "<p><strong>ในกัมพูชา:</strong></p>"
            "<ul>"
            "<li>สายด่วนของโครงการ หากแสดงไว้ในหน้านี้</li>"
            "<li>สำนักงานแรงงานและการฝึกอาชีพประจำจังหวัด สำหรับคำถามเรื่องบริษัทจัดหางาน สัญญาจ้าง "
            "และการทำงานในต่างประเทศ</li>"
            "<li>นักสังคมสงเคราะห์ขององค์กรภาคีของโครงการ ผ่านแบบฟอร์ม «แจ้งข้อกังวล» บนเว็บไซต์นี้ "
            "— คุณไม่จำเป็นต้องบอกชื่อ</li>"
            "<li>สภาตำบลหรือผู้ใหญ่บ้าน ที่ช่วยประสานให้คุณติดต่อกับหน่วยงานรัฐได้</li>"
            "</ul>"
            "<p><strong>ในต่างประเทศ:</strong></p>"
            "<ul>"
            "<li>สถานเอกอัครราชทูตหรือสถานกงสุลกัมพูชาในประเทศนั้น — จดเบอร์โทรศัพท์ไว้ก่อนออกเดินทาง</li>"
            "<li>บริษัทจัดหางานที่ได้รับใบอนุญาตซึ่งส่งคุณไป ซึ่งต้องช่วยเหลือคุณหากนายจ้าง"
            "ไม่ปฏิบัติตามสัญญา</li>"
            "<li>องค์กรที่ช่วยเหลือแรงงานข้ามชาติในประเทศนั้น</li>"
            "</ul>"
            "<p>เมื่อโทร ให้บอกว่าบุคคลนั้นอยู่ที่ไหน เกิดอะไรขึ้น และจะติดต่อคุณกลับได้อย่างไร "
            "หากคุณเองอาจเป็นผู้ที่เดือดร้อนและพูดได้ไม่สะดวก ให้ตกลงคำรหัสกับครอบครัวไว้ก่อนออกเดินทาง</p>"
        ),
    },
    {
        "key": "contact",
        "is_advice": False,
        "position": 90,
        "title_km": "ទំនាក់ទំនង",
        "summary_km": "របៀបទាក់ទងកម្មវិធី។",
        "body_km": (
            "<p>ដើម្បីសួរអំពីកម្មវិធី សកម្មភាព ឬឯកសារបោះពុម្ពផ្សាយរបស់កម្មវិធី "
            "សូមទាក់ទងអង្គការនាំមុខ ឬនិយាយជាមួយក្រុមជួយខ្លួនឯងនៅក្នុងឃុំរបស់អ្នក។</p>"
            "<p>ដើម្បីរាយការណ៍រឿងដែលអ្នកបារម្ភអំពីនរណាម្នាក់ដែលអាចត្រូវគេកេងប្រវ័ញ្ច "
            "សូមប្រើទម្រង់នៅលើគេហទំព័រនេះ៖ បុគ្គលិកសង្គមកិច្ចដែលបានទទួលការបណ្តុះបណ្តាល"
            "អានរបាយការណ៍នីមួយៗ។ អ្នកមិនចាំបាច់ប្រាប់ឈ្មោះទេ។</p>"
            "<p>អ្នកសារព័ត៌មាន៖ រឿងរ៉ាវនៅលើគេហទំព័រនេះត្រូវបានផ្សព្វផ្សាយដោយមានការយល់ព្រម"
            "ពីអ្នកដែលរៀបរាប់។ សូមសួរយើងជាមុន មុននឹងទាក់ទងនរណាម្នាក់ដែលមានឈ្មោះនៅក្នុង"
            "រឿងទាំងនោះ។</p>"
        ),
        "title_en": "Contact",
        "summary_en": "How to reach the programme.",
        "body_en": (
            "<p>To ask about the programme, its activities or its publications, contact the "
            "lead organisation, or speak to the self-help group in your commune.</p>"
            "<p>To report a concern about someone who may be exploited, use the form on this "
            "website: trained social workers read every report. You do not need to give your "
            "name.</p>"
            "<p>Journalists: the stories on this website are published with the consent of "
            "the people who tell them. Please ask us first before contacting anyone named in "
            "them.</p>"
        ),
        "title_th": "ติดต่อ",
        "summary_th": "วิธีติดต่อโครงการ",
        "body_th": (
            "<p>หากต้องการสอบถามเกี่ยวกับโครงการ กิจกรรม หรือเอกสารเผยแพร่ โปรดติดต่อองค์กรหลักของ"
            "โครงการ หรือพูดคุยกับกลุ่มช่วยเหลือตนเองในตำบลของคุณ</p>"
            "<p>หากต้องการแจ้งข้อกังวลเกี่ยวกับบุคคลที่อาจถูกแสวงประโยชน์ โปรดใช้แบบฟอร์มบนเว็บไซต์นี้ "
            "นักสังคมสงเคราะห์ที่ผ่านการอบรมจะอ่านทุกรายงาน คุณไม่จำเป็นต้องบอกชื่อ</p>"
            "<p>สำหรับสื่อมวลชน: เรื่องราวบนเว็บไซต์นี้เผยแพร่โดยได้รับความยินยอมจากผู้เล่าเรื่อง "
            "โปรดสอบถามเราก่อนติดต่อบุคคลใดที่มีชื่ออยู่ในเรื่องเหล่านั้น</p>"
        ),
    },
    {
        "key": "partners",
        "is_advice": False,
        "position": 91,
        "title_km": "ដៃគូ និងម្ចាស់ជំនួយ",
        "summary_km": "អង្គការដែលធ្វើការជាមួយគ្នាក្នុងកម្មវិធី និងអ្នកដែលផ្តល់មូលនិធិ។",
        "body_km": (
            "<p>កម្មវិធីនេះត្រូវបានអនុវត្តដោយអង្គការមិនមែនរដ្ឋាភិបាលនៅកម្ពុជា រួមជាមួយ"
            "គណៈកម្មាធិការជាតិ និងគណៈកម្មាធិការខេត្តប្រយុទ្ធប្រឆាំងការជួញដូរមនុស្ស មន្ទីរការងារ "
            "និងនគរបាល ដោយមានការគាំទ្រពីម្ចាស់ជំនួយ។</p>"
        ),
        "title_en": "Partners and donors",
        "summary_en": (
            "The organisations that work together in the programme, and those who fund it."
        ),
        "body_en": (
            "<p>The programme is carried out by non-governmental organisations in Cambodia, "
            "together with the national and provincial counter-trafficking committees, the "
            "labour departments and the police, with the support of its donors.</p>"
        ),
        "title_th": "ภาคีและผู้ให้ทุน",
        "summary_th": "องค์กรที่ทำงานร่วมกันในโครงการ และผู้ให้ทุนสนับสนุน",
        "body_th": (
            "<p>โครงการนี้ดำเนินการโดยองค์กรพัฒนาเอกชนในกัมพูชา ร่วมกับคณะกรรมการต่อต้านการค้ามนุษย์"
            "ระดับชาติและระดับจังหวัด หน่วยงานด้านแรงงาน และตำรวจ โดยได้รับการสนับสนุนจากผู้ให้ทุน</p>"
        ),
    },
]
